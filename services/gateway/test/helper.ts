// The provisioning stack for a gateway test, from the platform harness (@addonkit/testkit
// startPlatform): a private nats-server, a fresh database, the Heroku simulator, the
// gateway listening on a real port, driven by the simulator's Heroku driver, and the
// allocator (in-process, later, or as a child process for crash tests).
import type { ChildProcess } from 'node:child_process'
import type { FastifyInstance } from 'fastify'
import { startPlatform, type Platform, type Teardown } from '@addonkit/testkit'
import type { HerokuDriver } from '@addonkit/heroku-sim'
import { service as allocatorService } from '@addonkit/allocator'
import { service as gatewayService } from '../src/index.js'

export interface Stack extends Platform {
  heroku: HerokuDriver
  gateway: FastifyInstance
  gatewayUrl: string
  allocator?: FastifyInstance
  /** Starts the allocator as a separate process (for SIGKILL tests). */
  spawnAllocator (extraEnv?: Record<string, string>): Promise<ChildProcess>
  startAllocator (): Promise<FastifyInstance>
}

export interface StackOptions {
  env?: Record<string, string>
  allocator?: 'in-process' | 'none'
  /** The client secret the simulator expects (default: the one the stack is configured with). */
  simClientSecret?: string
}

export async function startStack (t: Teardown, opts: StackOptions = {}): Promise<Stack> {
  const p = await startPlatform(t, {
    services: [gatewayService],
    env: { LOG_LEVEL: 'info', OPERATION_SWEEP_MS: '200', OPERATION_LEASE_MS: '3000', ...opts.env },
    ...(opts.simClientSecret !== undefined ? { simClientSecret: opts.simClientSecret } : {})
  })
  const stack = Object.assign(p, {
    gateway: p.apps.gateway as FastifyInstance,
    gatewayUrl: p.urls.gateway!,
    allocator: undefined as FastifyInstance | undefined,
    async startAllocator () {
      const { app } = await p.start(allocatorService, { listen: false })
      stack.allocator = app
      return app
    },
    async spawnAllocator (extraEnv: Record<string, string> = {}) {
      return p.spawn(allocatorService, extraEnv)
    }
  })
  if ((opts.allocator ?? 'in-process') === 'in-process') await stack.startAllocator()
  return stack
}
