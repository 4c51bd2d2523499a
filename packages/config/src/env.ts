// Environment parsing, done once at start-up. Each service names the variables it needs;
// a missing or malformed one throws EnvVarError whose message is one line naming it.
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { fileURLToPath } from 'node:url'
import { EnvVarError } from './errors.js'
import { loadAddonDefinition, type AddonDefinition } from './addon-definition.js'
import { parseKeyRingSpec, type KeyRingSpec } from './key-ring-spec.js'

export const DEFAULT_ADDON_DEFINITION = fileURLToPath(new URL('../addon.json', import.meta.url))

/** The definitions bundled in packages/config/examples, selectable by name in ADDON_DEFINITION. */
export const EXAMPLE_ADDON_DEFINITIONS = ['logs', 'postgres', 'logs-and-postgres'] as const
export type ExampleAddonDefinition = typeof EXAMPLE_ADDON_DEFINITIONS[number]

/** The file of a bundled example. Resolved from this module, like the default, so src and dist both find it. */
export function exampleAddonDefinitionFile (name: ExampleAddonDefinition): string {
  return fileURLToPath(new URL(`../examples/${name}.json`, import.meta.url))
}

/**
 * The file ADDON_DEFINITION names: unset → addon.json; a bare name (no slash, no .json) →
 * that bundled example; anything else → a path, as before. An unknown bare name is an
 * error rather than a relative path, so a typo (`postgress`) fails at start, not later.
 */
export function resolveAddonDefinitionFile (value: string | undefined): string {
  const v = value?.trim() || ''
  if (v === '') return DEFAULT_ADDON_DEFINITION
  if (/[/\\]/.test(v) || v.endsWith('.json')) return v
  if (!(EXAMPLE_ADDON_DEFINITIONS as readonly string[]).includes(v)) {
    throw new EnvVarError('ADDON_DEFINITION', `"${v}" is not a bundled example (${EXAMPLE_ADDON_DEFINITIONS.join(', ')}); for a file of that name write ./${v}`)
  }
  return exampleAddonDefinitionFile(v as ExampleAddonDefinition)
}

type Env = Record<string, string | undefined>

/**
 * Which peers may tell a service how the client reached it (X-Forwarded-Proto, -For):
 * `false` nobody, a list of IP addresses and CIDR ranges, or a hop count (the nearest n
 * peers are proxies, whatever their address).
 */
export type TrustProxy = false | readonly string[] | number

/**
 * What a service does about a nats-server that cannot keep every acknowledged message
 * (service-kit nats-durability.ts): `production` (NODE_ENV=production) refuses to start
 * unless `acceptRisk`; `syncAlways` is the operator's statement that every server runs
 * with `jetstream { sync_interval: always }`, which a client cannot read.
 */
export interface NatsDurabilityConfig { production: boolean, syncAlways: boolean, acceptRisk: boolean }

/**
 * GET /metrics (service-kit metrics.ts): METRICS=off turns it off; METRICS_TOKEN makes it
 * answer a bearer token only; METRICS_PORT serves it on a listener of its own (on
 * METRICS_HOST, loopback by default) instead of the service's port. With none of them it
 * answers loopback peers only. METRICS_TOP_TENANTS names that many add-ons over quota.
 */
export interface MetricsConfig {
  enabled: boolean
  token: string | null
  port: number | null
  host: string
  /** METRICS_TOP_TENANTS: add-ons named (by tenant id) in the over-quota gauge; 0 (default) names none. */
  topTenants: number
}

/**
 * OpenTelemetry traces (service-kit tracing.ts): on when OTEL_EXPORTER_OTLP_ENDPOINT names
 * an OTLP/HTTP collector (spans go to <endpoint>/v1/traces), off otherwise;
 * OTEL_SERVICE_NAME replaces the service.name (addonkit-<service>).
 */
export interface TracingConfig { endpoint: string | null, serviceName: string | null }

export interface CommonConfig {
  databaseUrl: string
  natsUrl: string
  natsDurability: NatsDurabilityConfig
  metrics: MetricsConfig
  tracing: TracingConfig
  host: string
  logLevel: string
  addon: AddonDefinition
  addonDefinitionFile: string
}

export interface AllConfig extends CommonConfig {
  addonPassword: string
  ssoSalt: string
  herokuClientSecret: string
  herokuApiUrl: string
  herokuIdUrl: string
  encryptionKeys: KeyRingSpec
  sessionSecret: string
  gatewayPublicUrl: string
  dashboardPublicUrl: string
  drainPublicUrl: string
  gatewayPort: number
  dashboardPort: number
  drainPort: number
  allocatorPort: number
  syncBudgetMs: number
  purgeGraceSeconds: number
  credentialGraceSeconds: number
  operationLeaseMs: number
  operationSweepMs: number
  operationMaxAttempts: number
  /** Admin URL of the PostgreSQL cluster the `postgres` driver creates tenant databases on. */
  resourcePgAdminUrl: string | null
  /** Largest drain or data-API body the log-drain accepts (bytes; at least 1 MiB, protocol §11.1). */
  drainBodyLimit: number
  /** Publishes to JetStream in flight at once before the log-drain answers 503 (saturation). */
  drainMaxInflight: number
  /** How long the log-drain waits for a JetStream PubAck before answering 503. */
  drainPublishTimeoutMs: number
  /** How long a tenant lookup is cached (events invalidate it sooner). */
  drainTenantCacheMs: number
  /**
   * Where this log-drain process runs the writer (JetStream → PostgreSQL): `thread` (a
   * worker thread, the default: parsing and COPY encoding stay off the ingestion event
   * loop), `inline` (the same event loop), or `off` (ingestion only).
   */
  drainWriter: 'thread' | 'inline' | 'off'
  /**
   * Nice value of the writer thread (Linux; 0–19): under a burst, ingestion (Logplex is
   * waiting for the 2xx) gets the CPU first and the writer catches up from JetStream after.
   */
  drainWriterNice: number
  /** The writer's own process (log-drain's writer-server.ts): the port of its /healthz and /readyz. */
  drainWriterPort: number
  /** Groups the log writer stores at once, each in its own transaction. */
  drainWriterTransactions: number
  /** Largest backlog (compressed bytes) the ingest stream holds before the drain answers 503. */
  drainBacklogMaxBytes: number
  /**
   * Whether ingestion bundles the small batches ready in one event-loop turn into one
   * JetStream message. A writer older than bundles discards them: keep it off while any
   * such writer still reads the stream (an upgrade in progress, a rollback).
   */
  drainGroupPublish: boolean
  /** Proxies whose X-Forwarded-* headers are believed (TRUST_PROXY); nobody by default. */
  trustProxy: TrustProxy
  /**
   * The Heroku OAuth client (id, secret) customers authorize from the dashboard when
   * Heroku refuses the add-on's own token for formation changes (protocol §21.3). null: not
   * configured, and the dashboard says so.
   */
  herokuOauthClient: { id: string, secret: string } | null
  /** How often the autoscaler goes over the apps with a policy (ms). */
  autoscaleTickMs: number
  /** The share of an account's Platform API rate limit the autoscaler may use (0–1]. */
  autoscaleRateShare: number
  /** Whether the autoscaler decides for an app as soon as the log-drain announces its windows (else on the tick only). */
  autoscaleWakeOnWindows: boolean
  /**
   * The log-drain serves HTTPS with this certificate and key (PEM, from the files
   * DRAIN_TLS_CERT and DRAIN_TLS_KEY name): Heroku wants https drains (protocol §4.2, §11.1).
   * null: plain HTTP, for a deployment that terminates TLS in front of the service.
   */
  drainTls: { cert: string, key: string } | null
}

type Parser<T> = (value: string | undefined, env: Env) => T
type Spec = { [K in keyof AllConfig]: { env: string, parse: Parser<AllConfig[K]> } }

function required (name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new EnvVarError(name, 'is required but not set')
  return value.trim()
}

function url (name: string, protocols: string[]): Parser<string> {
  return (value) => {
    const v = required(name, value)
    for (const part of v.split(',')) {
      let u: URL
      try { u = new URL(part.trim()) } catch { throw new EnvVarError(name, `is not a valid URL (expected ${protocols.join(' or ')}//…)`) }
      if (!protocols.includes(u.protocol)) throw new EnvVarError(name, `must use ${protocols.join(' or ')}, got ${u.protocol}`)
      if (!u.hostname) throw new EnvVarError(name, 'has no host')
    }
    return v.replace(/\/+$/, '')
  }
}

function integer (name: string, dflt: number, min: number, max: number): Parser<number> {
  return (value) => {
    if (value === undefined || value.trim() === '') return dflt
    if (!/^\d+$/.test(value.trim())) throw new EnvVarError(name, `must be a whole number, got "${value}"`)
    const n = Number(value)
    if (n < min || n > max) throw new EnvVarError(name, `must be between ${min} and ${max}, got ${n}`)
    return n
  }
}

function secret (name: string, minLen: number, maxLen = 4096): Parser<string> {
  return (value) => {
    const v = required(name, value)
    if (v.length < minLen || v.length > maxLen) throw new EnvVarError(name, `must be ${minLen}–${maxLen} characters long (it is ${v.length})`)
    return v
  }
}

function publicUrl (name: string, portVar: string, dfltPort: number): Parser<string> {
  return (value, env) => {
    if (value === undefined || value.trim() === '') {
      const port = integer(portVar, dfltPort, 1, 65535)(env[portVar], env)
      return `http://127.0.0.1:${port}`
    }
    return url(name, ['http:', 'https:'])(value, env)
  }
}

/** `10.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`: what proxy-addr (Fastify's trustProxy) compiles; it refuses a /0. */
function ipOrCidr (s: string): boolean {
  const slash = s.indexOf('/')
  const family = isIP(slash === -1 ? s : s.slice(0, slash))
  if (family === 0) return false
  if (slash === -1) return true
  const bits = s.slice(slash + 1)
  return /^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (family === 4 ? 32 : 128)
}

// Empty trusts nobody, so a client cannot forge X-Forwarded-Proto to get (or lose) a
// Secure cookie. A junk value fails at start rather than trusting more or less than meant.
function trustProxy (name: string): Parser<TrustProxy> {
  return (value) => {
    const v = value?.trim() ?? ''
    if (v === '') return false
    if (/^\d+$/.test(v)) return Number(v) === 0 ? false : Number(v)
    const list = v.split(',').map((s) => s.trim())
    for (const entry of list) {
      if (!ipOrCidr(entry)) throw new EnvVarError(name, `${JSON.stringify(entry)} is not an IP address or CIDR range (expected e.g. 127.0.0.1,10.0.0.0/8 or a hop count)`)
    }
    return list
  }
}

/** A certificate and key read once at start from the two files named; both or neither. */
function tlsFiles (certVar: string, keyVar: string): Parser<{ cert: string, key: string } | null> {
  return (value, env) => {
    const certFile = value?.trim() ?? ''
    const keyFile = env[keyVar]?.trim() ?? ''
    if (certFile === '' && keyFile === '') return null
    if (certFile === '') throw new EnvVarError(certVar, `must be set when ${keyVar} is`)
    if (keyFile === '') throw new EnvVarError(keyVar, `must be set when ${certVar} is`)
    const read = (name: string, file: string, marker: RegExp): string => {
      let pem: string
      try { pem = readFileSync(file, 'utf8') } catch (err) { throw new EnvVarError(name, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`) }
      if (!marker.test(pem)) throw new EnvVarError(name, `${file} holds no PEM ${name === certVar ? 'certificate' : 'private key'}`)
      return pem
    }
    return { cert: read(certVar, certFile, /-----BEGIN CERTIFICATE-----/), key: read(keyVar, keyFile, /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/) }
  }
}

/** true/false (also 1/0, yes/no, on/off); unset is false. */
function flag (name: string, value: string | undefined): boolean {
  const v = value?.trim().toLowerCase() ?? ''
  if (v === '') return false
  if (['true', '1', 'yes', 'on'].includes(v)) return true
  if (['false', '0', 'no', 'off'].includes(v)) return false
  throw new EnvVarError(name, `must be true or false, got "${value}"`)
}

const SPEC: Spec = {
  databaseUrl: { env: 'DATABASE_URL', parse: url('DATABASE_URL', ['postgres:', 'postgresql:']) },
  natsUrl: { env: 'NATS_URL', parse: url('NATS_URL', ['nats:', 'tls:']) },
  natsDurability: {
    env: 'NATS_ACCEPT_DURABILITY_RISK',
    parse: (v, env) => ({ production: env.NODE_ENV?.trim() === 'production', syncAlways: flag('NATS_SYNC_ALWAYS', env.NATS_SYNC_ALWAYS), acceptRisk: flag('NATS_ACCEPT_DURABILITY_RISK', v) })
  },
  metrics: {
    env: 'METRICS_TOKEN',
    parse: (v, env) => {
      const mode = env.METRICS?.trim() || 'on'
      if (mode !== 'on' && mode !== 'off') throw new EnvVarError('METRICS', `must be on or off; got "${mode}"`)
      const token = v?.trim() || null
      if (token !== null && token.length < 16) throw new EnvVarError('METRICS_TOKEN', 'must be at least 16 characters')
      const port = env.METRICS_PORT?.trim() ? integer('METRICS_PORT', 0, 1, 65535)(env.METRICS_PORT, env) : null
      const topTenants = integer('METRICS_TOP_TENANTS', 0, 0, 100)(env.METRICS_TOP_TENANTS, env)
      return { enabled: mode === 'on', token, port, host: env.METRICS_HOST?.trim() || '127.0.0.1', topTenants }
    }
  },
  tracing: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    parse: (v, env) => ({
      endpoint: v === undefined || v.trim() === '' ? null : url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'])(v, env),
      serviceName: env.OTEL_SERVICE_NAME?.trim() || null
    })
  },
  host: { env: 'HOST', parse: (v) => v?.trim() || '127.0.0.1' },
  logLevel: {
    env: 'LOG_LEVEL',
    parse: (v) => {
      const level = v?.trim() || 'info'
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new EnvVarError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent; got "${level}"`)
      return level
    }
  },
  addonDefinitionFile: { env: 'ADDON_DEFINITION', parse: resolveAddonDefinitionFile },
  addon: { env: 'ADDON_DEFINITION', parse: (v) => loadAddonDefinition(resolveAddonDefinitionFile(v)) },
  // Heroku enforces 8–72 characters for the manifest password (protocol §2.2).
  addonPassword: { env: 'ADDON_PASSWORD', parse: secret('ADDON_PASSWORD', 8, 72) },
  ssoSalt: { env: 'ADDON_SSO_SALT', parse: secret('ADDON_SSO_SALT', 16) },
  herokuClientSecret: { env: 'HEROKU_CLIENT_SECRET', parse: secret('HEROKU_CLIENT_SECRET', 8) },
  herokuApiUrl: { env: 'HEROKU_API_URL', parse: (v, env) => url('HEROKU_API_URL', ['http:', 'https:'])(v?.trim() || 'https://api.heroku.com', env) },
  herokuIdUrl: { env: 'HEROKU_ID_URL', parse: (v, env) => url('HEROKU_ID_URL', ['http:', 'https:'])(v?.trim() || 'https://id.heroku.com', env) },
  encryptionKeys: { env: 'ENCRYPTION_KEYS', parse: (v) => parseKeyRingSpec(required('ENCRYPTION_KEYS', v)) },
  sessionSecret: { env: 'SESSION_SECRET', parse: secret('SESSION_SECRET', 32) },
  gatewayPublicUrl: { env: 'GATEWAY_PUBLIC_URL', parse: publicUrl('GATEWAY_PUBLIC_URL', 'GATEWAY_PORT', 5000) },
  dashboardPublicUrl: { env: 'DASHBOARD_PUBLIC_URL', parse: publicUrl('DASHBOARD_PUBLIC_URL', 'DASHBOARD_PORT', 5001) },
  drainPublicUrl: { env: 'DRAIN_PUBLIC_URL', parse: publicUrl('DRAIN_PUBLIC_URL', 'DRAIN_PORT', 5002) },
  gatewayPort: { env: 'GATEWAY_PORT', parse: integer('GATEWAY_PORT', 5000, 0, 65535) },
  dashboardPort: { env: 'DASHBOARD_PORT', parse: integer('DASHBOARD_PORT', 5001, 0, 65535) },
  drainPort: { env: 'DRAIN_PORT', parse: integer('DRAIN_PORT', 5002, 0, 65535) },
  allocatorPort: { env: 'ALLOCATOR_PORT', parse: integer('ALLOCATOR_PORT', 5003, 0, 65535) },
  syncBudgetMs: { env: 'SYNC_BUDGET_MS', parse: integer('SYNC_BUDGET_MS', 2000, 0, 20_000) },
  purgeGraceSeconds: { env: 'PURGE_GRACE_SECONDS', parse: integer('PURGE_GRACE_SECONDS', 7 * 24 * 3600, 0, 365 * 24 * 3600) },
  credentialGraceSeconds: { env: 'CREDENTIAL_GRACE_SECONDS', parse: integer('CREDENTIAL_GRACE_SECONDS', 300, 0, 7 * 24 * 3600) },
  operationLeaseMs: { env: 'OPERATION_LEASE_MS', parse: integer('OPERATION_LEASE_MS', 15_000, 500, 600_000) },
  operationSweepMs: { env: 'OPERATION_SWEEP_MS', parse: integer('OPERATION_SWEEP_MS', 1000, 50, 60_000) },
  operationMaxAttempts: { env: 'OPERATION_MAX_ATTEMPTS', parse: integer('OPERATION_MAX_ATTEMPTS', 8, 1, 100) },
  drainBodyLimit: { env: 'DRAIN_BODY_LIMIT', parse: integer('DRAIN_BODY_LIMIT', 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024) },
  drainMaxInflight: { env: 'DRAIN_MAX_INFLIGHT', parse: integer('DRAIN_MAX_INFLIGHT', 512, 1, 100_000) },
  drainPublishTimeoutMs: { env: 'DRAIN_PUBLISH_TIMEOUT_MS', parse: integer('DRAIN_PUBLISH_TIMEOUT_MS', 2000, 100, 30_000) },
  drainTenantCacheMs: { env: 'DRAIN_TENANT_CACHE_MS', parse: integer('DRAIN_TENANT_CACHE_MS', 2000, 0, 60_000) },
  drainWriter: {
    env: 'DRAIN_WRITER',
    parse: (v) => {
      const s = v?.trim().toLowerCase() || 'thread'
      // `on` was the only way to run it before there was a thread: it means the default.
      if (s === 'on') return 'thread'
      if (s !== 'thread' && s !== 'inline' && s !== 'off') throw new EnvVarError('DRAIN_WRITER', `must be thread, inline or off, got "${v}"`)
      return s
    }
  },
  drainWriterNice: { env: 'DRAIN_WRITER_NICE', parse: integer('DRAIN_WRITER_NICE', 5, 0, 19) },
  drainWriterPort: { env: 'DRAIN_WRITER_PORT', parse: integer('DRAIN_WRITER_PORT', 5012, 0, 65535) },
  drainWriterTransactions: { env: 'DRAIN_WRITER_TRANSACTIONS', parse: integer('DRAIN_WRITER_TRANSACTIONS', 2, 1, 8) },
  drainBacklogMaxBytes: { env: 'DRAIN_BACKLOG_MAX_BYTES', parse: integer('DRAIN_BACKLOG_MAX_BYTES', 2 * 1024 ** 3, 1024 ** 2, 2 ** 50) },
  drainGroupPublish: {
    env: 'DRAIN_GROUP_PUBLISH',
    parse: (v) => {
      const s = v?.trim().toLowerCase() || 'on'
      if (s !== 'on' && s !== 'off') throw new EnvVarError('DRAIN_GROUP_PUBLISH', `must be on or off, got "${v}"`)
      return s === 'on'
    }
  },
  trustProxy: { env: 'TRUST_PROXY', parse: trustProxy('TRUST_PROXY') },
  drainTls: { env: 'DRAIN_TLS_CERT', parse: tlsFiles('DRAIN_TLS_CERT', 'DRAIN_TLS_KEY') },
  herokuOauthClient: {
    env: 'HEROKU_OAUTH_ID',
    parse: (v, env) => {
      const id = v?.trim() ?? ''
      const secretValue = env.HEROKU_OAUTH_SECRET?.trim() ?? ''
      if (id === '' && secretValue === '') return null
      if (id === '') throw new EnvVarError('HEROKU_OAUTH_ID', 'must be set when HEROKU_OAUTH_SECRET is')
      if (!/^[\w.-]{1,200}$/.test(id)) throw new EnvVarError('HEROKU_OAUTH_ID', 'must be the OAuth client id Heroku gave (letters, digits, . - _)')
      return { id, secret: secret('HEROKU_OAUTH_SECRET', 8)(secretValue, env) }
    }
  },
  autoscaleTickMs: { env: 'AUTOSCALE_TICK_MS', parse: integer('AUTOSCALE_TICK_MS', 5000, 100, 600_000) },
  autoscaleWakeOnWindows: {
    env: 'AUTOSCALE_WAKE_ON_WINDOWS',
    parse: (v) => {
      const s = v?.trim().toLowerCase() || 'on'
      if (s !== 'on' && s !== 'off') throw new EnvVarError('AUTOSCALE_WAKE_ON_WINDOWS', `must be on or off, got "${v}"`)
      return s === 'on'
    }
  },
  autoscaleRateShare: {
    env: 'AUTOSCALE_RATE_SHARE',
    parse: (v) => {
      if (v === undefined || v.trim() === '') return 0.5
      const n = Number(v)
      if (!Number.isFinite(n) || n <= 0 || n > 1) throw new EnvVarError('AUTOSCALE_RATE_SHARE', `must be a number above 0 and at most 1, got "${v}"`)
      return n
    }
  },
  resourcePgAdminUrl: { env: 'RESOURCE_PG_ADMIN_URL', parse: (v, env) => (v === undefined || v.trim() === '') ? null : url('RESOURCE_PG_ADMIN_URL', ['postgres:', 'postgresql:'])(v, env) }
}

export const COMMON_KEYS = ['databaseUrl', 'natsUrl', 'natsDurability', 'metrics', 'tracing', 'host', 'logLevel', 'addonDefinitionFile', 'addon'] as const

/**
 * Parses the named settings (plus the common ones) from env. Throws EnvVarError or
 * AddonDefinitionError on the first problem.
 */
export function loadConfig<K extends keyof AllConfig> (env: Env, keys: readonly K[]): Pick<AllConfig, K | typeof COMMON_KEYS[number]> {
  const out: Partial<AllConfig> = {}
  for (const key of [...COMMON_KEYS, ...keys] as Array<keyof AllConfig>) {
    const spec = SPEC[key] as { env: string, parse: Parser<unknown> }
    ;(out as Record<string, unknown>)[key] = spec.parse(env[spec.env], env)
  }
  return out as Pick<AllConfig, K | typeof COMMON_KEYS[number]>
}

/** The variable names, for documentation and the start script. */
export const ENV_VARS: Readonly<Record<keyof AllConfig, string>> = Object.fromEntries(Object.entries(SPEC).map(([k, v]) => [k, v.env])) as Record<keyof AllConfig, string>

/**
 * Every variable the configuration reads: the settings of ENV_VARS and the ones their
 * parsers read beside them (NODE_ENV, METRICS_HOST, DRAIN_TLS_KEY, …). Deployment files
 * are checked against it (infra/test/deploy-artifacts.test.ts), so a misspelt or retired
 * name in a manifest fails a test instead of being ignored at start.
 */
export const KNOWN_ENV_VARS: readonly string[] = [...new Set([
  ...Object.values(ENV_VARS),
  'NODE_ENV', 'NATS_SYNC_ALWAYS', 'METRICS', 'METRICS_PORT', 'METRICS_HOST', 'METRICS_TOP_TENANTS',
  'OTEL_SERVICE_NAME', 'HEROKU_OAUTH_SECRET', 'DRAIN_TLS_KEY'
])]
