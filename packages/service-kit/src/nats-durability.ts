// What a 2xx can promise, given the nats-server a service is connected to. A message is
// acknowledged by JetStream before it is on disk: by default the server fsyncs every 2
// minutes, so an acknowledged message survives the crash of nats-server's process but not
// a power loss (or kernel crash) of its machine, unless every server runs with
// `sync_interval: always` (2.10+) or the stream is replicated over a 3-node cluster. And
// Jepsen's analysis of NATS (jepsen.io/analyses/nats-2.12.1) found releases before 2.10.23
// losing whole streams after a few `kill -9`s. Read once at start: each risk is logged as
// one warning naming the fix; with NODE_ENV=production the service refuses to start unless
// NATS_ACCEPT_DURABILITY_RISK says the risk is accepted.
import type { NatsDurabilityConfig } from '@addonkit/config'

/** The first release without the stream losses Jepsen found. */
export const JETSTREAM_FIXED_VERSION = '2.10.23'
/** The first release that accepts `sync_interval`. */
export const SYNC_INTERVAL_VERSION = '2.10.0'

export interface NatsServerFacts {
  /** The connected server's version (its INFO). */
  version: string
  /** The servers of its cluster the client was told of, itself included; 1 when not clustered. */
  clusterSize: number
  /** The operator's statement that every server runs with `sync_interval: always`. */
  syncAlways: boolean
}

export interface DurabilityRisk { id: 'version' | 'power-loss', risk: string, fix: string }

/** Compares dotted versions numerically (a `-beta` suffix counts as before the release). */
export function versionBefore (version: string, than: string): boolean {
  const parse = (v: string) => {
    const [core, pre] = v.trim().replace(/^v/, '').split('-', 2) as [string, string | undefined]
    return { parts: core.split('.').map((x) => Number.parseInt(x, 10) || 0), pre: pre !== undefined }
  }
  const a = parse(version)
  const b = parse(than)
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const x = a.parts[i] ?? 0
    const y = b.parts[i] ?? 0
    if (x !== y) return x < y
  }
  return a.pre && !b.pre
}

/** The ways acknowledged messages can be lost on this server, each with its fix. */
export function durabilityRisks (f: NatsServerFacts): DurabilityRisk[] {
  const risks: DurabilityRisk[] = []
  if (versionBefore(f.version, JETSTREAM_FIXED_VERSION)) {
    risks.push({
      id: 'version',
      risk: `nats-server ${f.version} is older than ${JETSTREAM_FIXED_VERSION}: Jepsen's NATS analysis found releases before it losing whole JetStream streams after a few kill -9s`,
      fix: `run nats-server ${JETSTREAM_FIXED_VERSION} or later`
    })
  }
  const syncAlways = f.syncAlways && !versionBefore(f.version, SYNC_INTERVAL_VERSION)
  if (f.clusterSize < 3 && !syncAlways) {
    risks.push({
      id: 'power-loss',
      risk: `${f.clusterSize === 1 ? 'a single nats-server' : `a ${f.clusterSize}-node cluster`} without sync_interval: always: an acknowledged message survives a crash of the nats-server process, not a power loss of its machine (JetStream fsyncs every 2 minutes by default)${f.syncAlways ? `; NATS_SYNC_ALWAYS is set, but ${f.version} does not accept sync_interval` : ''}`,
      fix: `set jetstream { sync_interval: always } on every server (nats-server ${SYNC_INTERVAL_VERSION}+) and NATS_SYNC_ALWAYS=true, or run 3 servers in a cluster (streams are then kept on 3)`
    })
  }
  return risks
}

/** What the connection's INFO says. */
export function serverFacts (info: { version?: string, cluster?: string, connect_urls?: string[] } | undefined, syncAlways: boolean): NatsServerFacts {
  const urls = new Set(info?.connect_urls ?? [])
  return { version: info?.version ?? '0.0.0', clusterSize: info?.cluster ? Math.max(1, urls.size) : 1, syncAlways }
}

export class NatsDurabilityRefused extends Error {
  readonly code = 'NATS_DURABILITY_REFUSED'
  constructor (message: string) { super(message); this.name = 'NatsDurabilityRefused' }
}

interface WarnLog { warn (obj: object, msg: string): void }

/**
 * Logs one warning naming the risks and their fixes; in production throws instead, unless
 * the risk is accepted. Returns the risks found.
 */
export function enforceDurability (facts: NatsServerFacts, policy: NatsDurabilityConfig, log: WarnLog): DurabilityRisk[] {
  const risks = durabilityRisks(facts)
  if (risks.length === 0) return risks
  const text = risks.map((r) => `${r.risk}. Fix: ${r.fix}`).join('; ')
  if (policy.production && !policy.acceptRisk) {
    throw new NatsDurabilityRefused(`refusing to start in production: ${text}. Or set NATS_ACCEPT_DURABILITY_RISK=true to run with this risk`)
  }
  log.warn({ nats: { version: facts.version, clusterSize: facts.clusterSize, risks: risks.map((r) => r.id) } }, `NATS durability: ${text}${policy.acceptRisk ? ' (accepted: NATS_ACCEPT_DURABILITY_RISK)' : ''}`)
  return risks
}
