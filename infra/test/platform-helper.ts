// The platform as `npm start` runs it, for a test (throwaway-platform.ts): a database cloned
// from the migrated template npm test made, torn down after the test.
import { startThrowawayPlatform, type ThrowawayPlatform } from '../src/throwaway-platform.js'

export interface Teardown { teardown (fn: () => unknown): void }

export interface TestPlatform extends ThrowawayPlatform {
  /** What the services printed (tail it when a test fails). */
  output: string[]
}

export async function startTestPlatform (t: Teardown, env: Record<string, string> = {}, topology: { replicas?: number, natsCluster?: number } = {}): Promise<TestPlatform> {
  const adminUrl = process.env.ADDONKIT_TEST_PG_ADMIN_URL
  if (!adminUrl) throw new Error('ADDONKIT_TEST_PG_ADMIN_URL is not set: run the tests with `npm test`')
  const output: string[] = []
  const platform = await startThrowawayPlatform({ adminUrl, template: process.env.ADDONKIT_TEST_TEMPLATE_DB ?? 'addonkit_template', env, ...topology, serviceOutput: (name, chunk) => { output.push(`${name}: ${chunk}`) } })
  t.teardown(() => platform.stop())
  return { ...platform, output }
}
