// Start-up of the writer on its own (`npm run start:writer`): storage scaled apart from
// ingestion, e.g. log-drain processes with DRAIN_WRITER=off behind a load balancer and
// writers elsewhere; JetStream hands each batch to one of them. It listens only for
// /healthz and /readyz (DRAIN_WRITER_PORT) and stops gracefully on SIGTERM: the groups
// being stored commit, the rest stay in JetStream.
import { startService } from '@addonkit/service-kit'
import { loadDrainConfig } from './config.js'

await startService({ name: 'log-drain-writer', loadConfig: loadDrainConfig, port: (c) => c.drainWriterPort, buildApp: async (c) => (await import('./writer/writer-app.js')).buildWriterApp(c) })
