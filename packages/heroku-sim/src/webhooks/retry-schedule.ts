// When Heroku retries a `sync` webhook delivery (protocol §21.4, heroku/webhooks-docs README):
// "180 times over roughly seven days. Retry delay increases exponentially until it reaches
// an hour, after which retries occur hourly". The sim starts at one second and doubles;
// the exact first delay and factor are [UNCONFIRMED]. Tests pass their own schedule.

const HOUR_MS = 3_600_000

/** The waits before attempts 2..180, in ms: 1 s, 2 s, 4 s … capped at an hour (~7 days in all). */
export function herokuWebhookRetryDelaysMs (): number[] {
  const delays: number[] = []
  for (let i = 0; delays.length < 179; i++) delays.push(Math.min(1000 * 2 ** i, HOUR_MS))
  return delays
}
