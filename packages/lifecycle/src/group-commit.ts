// Group commit (issue 20): on the provisioning path a statement's cost on this kind of
// machine is mostly its round trip (the socket write that wakes a PostgreSQL backend, the
// backend's transaction and commit), not its rows. So a request that arrives while this
// process's statement of the same kind is in flight waits for it and goes with the others
// that arrived meanwhile, in one statement: one round trip and one commit for all. Alone, a
// request goes at once, so a quiet process answers as fast as before.

export interface GroupCommitOptions<T, R> {
  /** The statement for one item (a batch of one, and each item of a batch whose statement failed). */
  one: (item: T) => Promise<R>
  /** The statement for several items; answers one result per item, in order. */
  many: (batch: T[]) => Promise<R[]>
  /** Keys no two items of one batch may share: such an item waits for the next statement (where it meets the first one's row). */
  keys?: (item: T) => ReadonlyArray<string | null | undefined>
  /** Items in one statement at most. */
  maxBatch?: number
}

interface Pending<T, R> { item: T, resolve: (r: R) => void, reject: (err: unknown) => void }

/** A function that runs each item in a group-committed statement (GroupCommitOptions). */
export function groupCommit<T, R> (o: GroupCommitOptions<T, R>): (item: T) => Promise<R> {
  const maxBatch = o.maxBatch ?? 64
  const queue: Pending<T, R>[] = []
  let inFlight = false

  function flush (): void {
    const batch: Pending<T, R>[] = []
    const taken = new Set<string>()
    const rest: Pending<T, R>[] = []
    for (const p of queue) {
      const keys = (o.keys?.(p.item) ?? []).filter((k): k is string => typeof k === 'string')
      if (batch.length >= maxBatch || keys.some((k) => taken.has(k))) { rest.push(p); continue }
      for (const k of keys) taken.add(k)
      batch.push(p)
    }
    queue.splice(0, queue.length, ...rest)
    if (batch.length === 0) return
    inFlight = true
    void run(batch).finally(() => {
      inFlight = false
      if (queue.length) flush()
    })
  }

  // A batch's statement that PostgreSQL refused for its data (a row updated twice, a value
  // it cannot take, a constraint: SQLSTATE classes 21, 22 and 23; nothing was written) is
  // run again item by item, so one item's failure is its own. A deadlock is retried. Any
  // other failure (the connection lost, perhaps after the commit) fails every item of the
  // batch, as it would have failed each item's own statement: running them again could
  // write twice.
  async function run (batch: Pending<T, R>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const results = await retryDeadlock(() => o.many(batch.map((p) => p.item)))
        batch.forEach((p, i) => p.resolve(results[i]!))
        return
      } catch (err) {
        if (!refusedData(err)) { for (const p of batch) p.reject(err); return }
      }
    }
    await Promise.all(batch.map((p) => o.one(p.item).then(p.resolve, p.reject)))
  }

  return (item) => new Promise<R>((resolve, reject) => {
    queue.push({ item, resolve, reject })
    if (!inFlight) flush()
  })
}

/** Whether PostgreSQL refused a statement for its data (SQLSTATE class 21, 22 or 23): it wrote nothing. */
function refusedData (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^2[123]/.test(code)
}

/** Runs `fn` again (up to twice) when PostgreSQL ended it as a deadlock (40P01): statements of several rows can meet another process's in the other order. */
export async function retryDeadlock<T> (fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= 2 || (err as { code?: string }).code !== '40P01') throw err
    }
  }
}
