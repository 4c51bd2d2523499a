// What each service exports as `service`: enough for the platform test harness
// (@addonkit/testkit startPlatform) to build it in-process or start its process.
import { fileURLToPath } from 'node:url'

export interface ServiceDescriptor<C, O, A> {
  name: 'gateway' | 'allocator' | 'dashboard' | 'log-drain'
  loadConfig (env: Record<string, string>): C
  buildApp (config: C, options?: O): Promise<A>
  /** Absolute path of the start-up file beside the index (server.ts, or server.js when built). */
  serverFile: string
  /** The variable naming its port. */
  portVariable: string
}

/** `indexUrl` is the index module's import.meta.url; the start-up file is server.ts/js beside it. */
export function describeService<C, O, A> (indexUrl: string, d: Omit<ServiceDescriptor<C, O, A>, 'serverFile'>): ServiceDescriptor<C, O, A> {
  return { ...d, serverFile: fileURLToPath(new URL(indexUrl.endsWith('.ts') ? './server.ts' : './server.js', indexUrl)) }
}
