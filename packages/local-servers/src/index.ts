// Local servers for development and tests: real nats-server and PostgreSQL processes on
// free ports, the port helpers, and the reaper that stops them when their parent is gone.
// `@addonkit/infra` (npm start, npm test) and `@addonkit/testkit` both start servers with it.
export { freePort, waitForPort } from './free-port.js'
export { ensureNatsServer, startNatsServer, startNatsCluster, NatsServerMissingError, type NatsServerHandle, type NatsServerOptions, type NatsClusterHandle } from './nats-server.js'
export { startPostgresServer, type PostgresServerHandle, type PostgresServerOptions } from './postgres-server.js'
export { aptInstall, type AptOutcome, type RootRun } from './apt.js'
export { guardProcess, releaseProcess, type GuardedProcess } from './process/orphan-guard.js'
export { assertPortFree, portOwner, PortTakenError } from './process/port-owner.js'
