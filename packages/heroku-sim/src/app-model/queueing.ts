// The queueing arithmetic behind the app model: web dynos as `servers` (dynos × requests each
// serves at once) of an M/M/c queue. Utilization ρ = λ·s / servers; below 1 the mean wait
// follows Erlang's C formula and climbs steeply as ρ nears 1; at 1 or above there is no
// steady state and a backlog builds (app-model.ts tracks it).

/** ρ = λ·s / servers; Infinity without servers. `serviceSeconds` is s, the mean time per request. */
export function utilization (arrivalsPerSecond: number, serviceSeconds: number, servers: number): number {
  if (servers <= 0) return arrivalsPerSecond > 0 ? Infinity : 0
  return arrivalsPerSecond * serviceSeconds / servers
}

/**
 * Erlang C: the probability an arriving request has to wait, for `servers` servers and
 * offered load a = λ·s (in Erlangs). Computed through Erlang B's recurrence, which stays
 * finite for hundreds of servers. 1 when the queue is unstable (a ≥ servers).
 */
export function erlangC (servers: number, offeredLoad: number): number {
  if (servers <= 0 || offeredLoad >= servers) return 1
  if (offeredLoad <= 0) return 0
  let b = 1
  for (let k = 1; k <= servers; k++) b = offeredLoad * b / (k + offeredLoad * b)
  const rho = offeredLoad / servers
  return b / (1 - rho * (1 - b))
}

/** Mean wait in queue (seconds) of M/M/c; Infinity when unstable. */
export function meanWaitSeconds (arrivalsPerSecond: number, serviceSeconds: number, servers: number): number {
  const capacity = servers / serviceSeconds
  if (servers <= 0 || arrivalsPerSecond >= capacity) return Infinity
  return erlangC(servers, arrivalsPerSecond * serviceSeconds) / (capacity - arrivalsPerSecond)
}
