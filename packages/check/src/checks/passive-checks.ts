// Rules judged from what was already seen: the provider's writes to the app's log stream
// (protocol §11.2, §18 item 20) and the answer times of every Partner API request (§3.7, §18.7).
import { type CheckContext, is2xx, skip, verdict } from '../check-context.js'

const GENERIC_AGENTS = /^(node|undici|node-fetch|axios|got|python-requests|python-urllib|go-http-client|curl|wget|ruby|faraday|okhttp|java)\b/i

/** An empty User-Agent or an HTTP library's default, which names no add-on (protocol §11.2). */
export function isGenericUserAgent (agent: string): boolean {
  return agent.trim() === '' || GENERIC_AGENTS.test(agent)
}

export async function logInputChecks (ctx: CheckContext): Promise<void> {
  if (!ctx.requires.includes('log_input')) {
    skip(ctx, 'log-input.accepted', 'the manifest does not require log_input')
    skip(ctx, 'log-input.user-agent', 'the manifest does not require log_input')
    return
  }
  const writes = (await ctx.side.calls(ctx.firstCall)).calls.filter((c) => c.method === 'POST' && c.path.split('?')[0] === '/logs')
  if (writes.length === 0) {
    skip(ctx, 'log-input.accepted', 'the provider wrote nothing to the apps\' log streams during the run')
    skip(ctx, 'log-input.user-agent', 'the provider wrote nothing to the apps\' log streams during the run')
    return
  }
  const refused = writes.filter((c) => !is2xx(c.status))
  verdict(ctx, 'log-input.accepted', refused.length === 0 ? undefined : `Logplex refused ${refused.length} of ${writes.length} writes (statuses ${[...new Set(refused.map((c) => c.status))].join(', ')})`, [], `${writes.length} writes`)
  const generic = writes.map((c) => String(c.headers['user-agent'] ?? '')).find(isGenericUserAgent)
  verdict(ctx, 'log-input.user-agent', generic === undefined ? undefined : `User-Agent ${JSON.stringify(generic)} does not name the add-on`)
}

export async function timingChecks (ctx: CheckContext): Promise<void> {
  const times = [...ctx.timings].sort((a, b) => a - b)
  if (times.length === 0) {
    skip(ctx, 'timing.hard-limit', 'no answers were timed')
    skip(ctx, 'timing.should', 'no answers were timed')
    return
  }
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!
  const fmt = (ms: number) => Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'no answer'
  const stats = `${times.length} answers: p50 ${fmt(q(0.5))}, p99 ${fmt(q(0.99))}, max ${fmt(times.at(-1)!)}`
  const over = times.filter((t) => t >= 25_000).length
  verdict(ctx, 'timing.hard-limit', over === 0 ? undefined : `${over} request(s) got no answer within 25 s (${stats})`, [], stats)
  verdict(ctx, 'timing.should', q(0.99) < 3000 ? undefined : `p99 ${fmt(q(0.99))} is over 3 s (${stats})`, [], stats)
}
