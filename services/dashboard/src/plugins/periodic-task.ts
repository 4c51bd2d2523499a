// A background chore that runs every few seconds for the life of the app (purging expired
// rows, sweeping the failure limiter); it never overlaps itself and never keeps the process up.

/** Runs `task` every `ms` until the app closes; failures are logged and retried next time. */
export function every (ms: number, task: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    task().catch(onError).finally(() => { running = false })
  }, ms)
  timer.unref()
  return () => clearInterval(timer)
}
