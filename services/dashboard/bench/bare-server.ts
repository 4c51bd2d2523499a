// The bench's bare form route (bench/sso.ts) as a process of its own, like the dashboard: the
// same Fastify route that parses the form with @fastify/formbody and answers the same 303.
// Listens on 127.0.0.1:$BARE_PORT.
import Fastify from 'fastify'
import formbody from '@fastify/formbody'

const app = Fastify({ logger: false })
await app.register(formbody)
app.post('/sso/login', async (req, reply) => reply.code(303).header('location', `/dashboard/${(req.body as { resource_id: string }).resource_id}`).send())
await app.listen({ port: Number(process.env.BARE_PORT), host: '127.0.0.1' })
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
