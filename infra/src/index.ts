// The embedded stack: real PostgreSQL and NATS servers for `npm start` and `npm test`.
export { freePort, waitForPort, ensureNatsServer, startNatsServer, startNatsCluster, NatsServerMissingError, type NatsServerHandle, type NatsClusterHandle, startPostgresServer, type PostgresServerHandle } from '@addonkit/local-servers'
export { startStack as startEmbeddedStack, migrate, type Stack as EmbeddedStack } from './stack.js'
export { localTlsCertificate, type LocalTls } from './local-tls.js'
export { startThrowawayPlatform, type ThrowawayPlatform, type ThrowawayPlatformOptions } from './throwaway-platform.js'
export { ensurePrometheus, startPrometheus, PrometheusMissingError, type PrometheusHandle, type PrometheusOptions, type ScrapeTarget } from './prometheus.js'
export { ownPostgres } from './bench-postgres.js'
