// The deployment files in deploy/ (and the Procfile) are what an operator copies, and no
// Docker engine or cluster runs them here: this checks them statically. Every YAML file
// parses; every variable they set or read is one packages/config knows (a misspelt name
// would be silently ignored at start); the topology is the one the loopback tests run
// (3 NATS servers ≥ 2.10.23 with sync_interval: always, one PostgreSQL, 2 replicas of
// each service behind a balancer, NODE_ENV=production with NATS_SYNC_ALWAYS=true, which
// the services' durability check accepts); the image builds in stages and runs without
// root or devDependencies. Each checker returns its complaints, and each is also fed a
// broken copy of an artifact to show that it can complain.
import t, { type Test } from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseAllDocuments } from 'yaml'
import { KNOWN_ENV_VARS } from '@addonkit/config'
import { repoRoot } from '../src/paths.js'

const DEPLOY = join(repoRoot, 'deploy')
const K8S = join(DEPLOY, 'k8s')
const read = (...p: string[]): string => readFileSync(join(...p), 'utf8')

/**
 * Variables set or read by the artifacts that packages/config does not read, each with why.
 * Nothing else may appear.
 */
const NOT_CONFIG: Record<string, string> = {
  // Given by Heroku (and foreman, Dokku) to each process; the Procfile maps it onto the
  // service's own port variable (GATEWAY_PORT=${PORT:-5000}).
  PORT: 'the port a Procfile runner assigns'
}
const KNOWN = new Set<string>([...KNOWN_ENV_VARS, ...Object.keys(NOT_CONFIG)])

/** The services, their ports (packages/config defaults) and the variable of each port. */
const SERVICES = {
  gateway: { port: 5000, portVar: 'GATEWAY_PORT' },
  dashboard: { port: 5001, portVar: 'DASHBOARD_PORT' },
  'log-drain': { port: 5002, portVar: 'DRAIN_PORT' },
  allocator: { port: 5003, portVar: 'ALLOCATOR_PORT' }
} as const
const SERVICE_NAMES = Object.keys(SERVICES) as Array<keyof typeof SERVICES>
const serverScript = (name: string): string => `services/${name}/dist/server.js`

/** The first release without the stream losses Jepsen found (service-kit nats-durability.ts). */
const NATS_MIN_VERSION = '2.10.23'

type Obj = Record<string, any>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

// ---- parsing --------------------------------------------------------------------------

function yamlFiles (dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...yamlFiles(join(dir, e.name)))
    else if (/\.ya?ml$/.test(e.name)) out.push(join(dir, e.name))
  }
  return out.sort()
}

/** Complaints about one YAML text: parse errors of any of its documents. */
function yamlComplaints (name: string, text: string): string[] {
  return parseAllDocuments(text, { merge: true }).flatMap((d) => d.errors.map((e) => `${name}: ${e.message.split('\n')[0]}`))
}

/** compose.yaml with its `<<: *anchor` merge keys applied. */
const loadCompose = (text: string): Obj => parse(text, { merge: true })
/** Every Kubernetes document of deploy/k8s listed in the kustomization, by file. */
function loadK8s (): Array<{ file: string, doc: Obj }> {
  const files = (parse(read(K8S, 'kustomization.yaml')).resources as string[])
  return files.flatMap((file) => parseAllDocuments(read(K8S, file)).map((d) => ({ file, doc: d.toJS() as Obj })).filter((x) => isObj(x.doc)))
}

/** Dockerfile stages: name, base, and their instructions (continuation lines joined). */
interface Stage { name: string | null, from: string, lines: string[] }
function dockerStages (text: string): Stage[] {
  const joined = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const stages: Stage[] = []
  for (const line of joined) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line)
    if (from) stages.push({ from: from[1]!, name: from[2] ?? null, lines: [] })
    else stages.at(-1)?.lines.push(line)
  }
  return stages
}

/** Names an ENV instruction sets: `ENV A=1 B=2` or `ENV A 1`. */
function dockerEnvNames (line: string): string[] {
  const body = line.replace(/^ENV\s+/i, '')
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(body)) return [body.split(/\s+/)[0]!]
  return [...body.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!)
}

/** Procfile entries: process type → command. */
function procfile (text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(line.trim())
    if (m) out.set(m[1]!, m[2]!)
  }
  return out
}

/** `${NAME}`, `${NAME:-x}`, `${NAME:?x}` and `$NAME` references in a text. */
const referencedVars = (text: string): string[] => [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => (m[1] ?? m[2])!)

function versionBefore (version: string, than: string): boolean {
  const nums = (v: string) => v.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const a = nums(version)
  const b = nums(than)
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0)
  return false
}

/** Complaint about a nats image reference (`nats:2.12.1-alpine`), or null. */
function natsImageComplaint (where: string, image: string): string | null {
  const m = /^(?:docker\.io\/)?(?:library\/)?nats:v?(\d+\.\d+\.\d+)(?:-[\w.]+)?$/.exec(image)
  if (!m) return `${where}: image ${image} is not the official nats image with a version tag (x.y.z)`
  return versionBefore(m[1]!, NATS_MIN_VERSION) ? `${where}: nats ${m[1]} is older than ${NATS_MIN_VERSION}` : null
}

/** Complaint about a NATS_URL, or null: 3 servers, on the given hosts when named. */
function natsUrlComplaint (where: string, value: unknown, hosts?: string[]): string | null {
  if (typeof value !== 'string') return `${where}: NATS_URL is not set`
  const urls = value.split(',').map((s) => s.trim())
  if (urls.length !== 3) return `${where}: NATS_URL lists ${urls.length} servers, not 3`
  const got = urls.map((u) => { try { return new URL(u).hostname } catch { return u } })
  if (new Set(got).size !== 3) return `${where}: NATS_URL names a server twice`
  if (hosts && !got.every((h) => hosts.includes(h))) return `${where}: NATS_URL names ${got.join(', ')}, not the NATS services ${hosts.join(', ')}`
  return null
}

// ---- environment variables ------------------------------------------------------------

/** compose `environment`, as a map or a `K=V` list. */
function composeEnv (svc: Obj): Record<string, unknown> {
  const env = svc.environment
  if (Array.isArray(env)) return Object.fromEntries(env.map((e: string) => { const i = e.indexOf('='); return i === -1 ? [e, undefined] : [e.slice(0, i), e.slice(i + 1)] }))
  return isObj(env) ? env : {}
}

function envNamesOfEnvFile (text: string): string[] {
  // Commented-out optional settings (`# HEROKU_OAUTH_ID=`) count too: an operator uncomments them.
  return text.split(/\r?\n/).flatMap((l) => { const m = /^\s*#?\s*([A-Z][A-Z0-9_]*)=/.exec(l); return m ? [m[1]!] : [] })
}

interface Artifacts { compose: Obj, composeText: string, envExample: string, k8s: Array<{ file: string, doc: Obj }>, dockerfile: string, procfile: string }

/** Every variable name set or read anywhere, with where; then the ones config does not know. */
function envVarComplaints (a: Artifacts): string[] {
  const seen: Array<[string, string]> = []
  for (const [name, svc] of Object.entries(a.compose.services as Obj)) {
    for (const v of Object.keys(composeEnv(svc))) seen.push([v, `compose ${name}.environment`])
  }
  // Interpolated from deploy/.env: `${DATABASE_URL:?…}`.
  for (const v of referencedVars(a.composeText.replace(/\$\$/g, ''))) seen.push([v, 'compose.yaml interpolation'])
  for (const v of envNamesOfEnvFile(a.envExample)) seen.push([v, '.env.example'])
  for (const { file, doc } of a.k8s) {
    if (doc.kind === 'ConfigMap' || doc.kind === 'Secret') {
      for (const v of [...Object.keys(doc.data ?? {}), ...Object.keys(doc.stringData ?? {})]) seen.push([v, `k8s/${file} ${doc.kind} ${doc.metadata?.name}`])
    }
    for (const c of podContainers(doc)) {
      for (const e of c.env ?? []) {
        seen.push([e.name, `k8s/${file} ${c.name}.env`])
        const key = e.valueFrom?.secretKeyRef?.key ?? e.valueFrom?.configMapKeyRef?.key
        if (key !== undefined) seen.push([key, `k8s/${file} ${c.name}.env ${e.name} (key)`])
      }
    }
  }
  for (const [type, command] of procfile(a.procfile)) {
    for (const m of command.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)) seen.push([m[1]!, `Procfile ${type}`])
    for (const v of referencedVars(command)) seen.push([v, `Procfile ${type}`])
  }
  for (const stage of dockerStages(a.dockerfile)) {
    for (const line of stage.lines.filter((l) => /^ENV\s/i.test(l))) {
      for (const v of dockerEnvNames(line)) seen.push([v, `Dockerfile ${stage.name ?? stage.from} ENV`])
    }
  }
  return seen.filter(([v]) => !KNOWN.has(v)).map(([v, where]) => `${where}: ${v} is not a variable packages/config reads`)
}

// ---- compose topology ---------------------------------------------------------------

/** The key = value settings of a nats-server config file we rely on. */
function natsConf (text: string): { serverName?: string, routes: string[], syncAlways: boolean, jetstream: boolean, cluster: boolean } {
  const serverName = /^\s*server_name\s*[:=]\s*"?([\w.-]+)"?/m.exec(text)?.[1]
  const routesBlock = /routes\s*[:=]\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? ''
  const routes = routesBlock.split(/[\s,]+/).filter(Boolean).map((r) => { try { return new URL(r.replace(/^"|"$/g, '')).hostname } catch { return r } })
  return {
    serverName,
    routes,
    syncAlways: /^\s*sync_interval\s*[:=]\s*"?always"?/m.test(text),
    jetstream: /^\s*jetstream\s*[{:]/m.test(text),
    cluster: /^\s*cluster\s*[{:]/m.test(text)
  }
}

/** `./nats/nats-1.conf:/etc/nats/nats.conf:ro` → the config file a service mounts, by its target. */
function mountedConfig (svc: Obj, readFile: (rel: string) => string): string | null {
  const command: string[] = Array.isArray(svc.command) ? svc.command : []
  const at = command.findIndex((a) => a === '--config' || a === '-c')
  const config = at === -1 ? undefined : command[at + 1]
  for (const v of svc.volumes ?? []) {
    const [src, target] = String(v).split(':')
    if (src?.startsWith('.') && target === config) return readFile(src)
  }
  return null
}

const runsAddonkit = (svc: Obj): boolean => typeof svc.image === 'string' && /^addonkit(:|$)/.test(svc.image)

function composeComplaints (compose: Obj, readFile: (rel: string) => string): string[] {
  const out: string[] = []
  const services = compose.services as Obj
  const nats = Object.entries(services).filter(([, s]) => typeof s.image === 'string' && /(^|\/)nats:/.test(s.image))
  if (nats.length !== 3) out.push(`compose: ${nats.length} NATS services, not 3`)
  const natsNames = nats.map(([n]) => n)
  const serverNames = new Set<string>()
  for (const [name, svc] of nats) {
    const c = natsImageComplaint(`compose ${name}`, svc.image)
    if (c) out.push(c)
    const text = mountedConfig(svc, readFile)
    if (text === null) { out.push(`compose ${name}: no config file mounted where --config points`); continue }
    const conf = natsConf(text)
    if (!conf.jetstream) out.push(`compose ${name}: JetStream is not enabled`)
    if (!conf.cluster) out.push(`compose ${name}: no cluster block`)
    if (!conf.syncAlways) out.push(`compose ${name}: jetstream has no sync_interval: always (NATS_SYNC_ALWAYS=true would be false)`)
    if (!conf.serverName) out.push(`compose ${name}: no server_name`)
    else if (serverNames.has(conf.serverName)) out.push(`compose ${name}: server_name ${conf.serverName} is not distinct`)
    else serverNames.add(conf.serverName)
    const others = natsNames.filter((n) => n !== name).sort()
    if (JSON.stringify([...conf.routes].sort()) !== JSON.stringify(others)) out.push(`compose ${name}: routes go to ${conf.routes.join(', ') || 'nothing'}, not to ${others.join(', ')}`)
    if (!(svc.volumes ?? []).some((v: unknown) => /^[\w-]+:\/data/.test(String(v)))) out.push(`compose ${name}: JetStream's /data is not on a named volume`)
  }
  const postgres = Object.entries(services).filter(([, s]) => typeof s.image === 'string' && /(^|\/)postgres:/.test(s.image))
  if (postgres.length !== 1) out.push(`compose: ${postgres.length} PostgreSQL services, not 1`)
  const migrate = Object.entries(services).find(([, s]) => s.build?.target === 'migrate')
  if (!migrate) out.push('compose: no migration service (the Dockerfile\'s migrate target)')
  for (const name of SERVICE_NAMES) {
    const svc = services[name]
    if (!isObj(svc)) { out.push(`compose: no ${name} service`); continue }
    if (svc.deploy?.replicas !== 2) out.push(`compose ${name}: deploy.replicas is ${svc.deploy?.replicas}, not 2`)
    if (svc.container_name !== undefined) out.push(`compose ${name}: container_name prevents replicas`)
    if (!runsAddonkit(svc)) out.push(`compose ${name}: does not run the addonkit image`)
    if (!(svc.command ?? []).includes(serverScript(name))) out.push(`compose ${name}: command does not run ${serverScript(name)}`)
    if (migrate && svc.depends_on?.[migrate[0]]?.condition !== 'service_completed_successfully') out.push(`compose ${name}: does not wait for the migrations`)
    for (const n of natsNames) if (svc.depends_on?.[n]?.condition !== 'service_healthy') out.push(`compose ${name}: does not wait for ${n} to be healthy`)
  }
  for (const [name, svc] of Object.entries(services).filter(([, s]) => runsAddonkit(s))) {
    const env = composeEnv(svc)
    if (env.NODE_ENV !== 'production') out.push(`compose ${name}: NODE_ENV is ${String(env.NODE_ENV)}, not production`)
    if (String(env.NATS_SYNC_ALWAYS) !== 'true') out.push(`compose ${name}: NATS_SYNC_ALWAYS is not true`)
    if (env.NATS_ACCEPT_DURABILITY_RISK !== undefined) out.push(`compose ${name}: NATS_ACCEPT_DURABILITY_RISK is set: the topology needs no exception`)
    const c = natsUrlComplaint(`compose ${name}`, env.NATS_URL, natsNames)
    if (c) out.push(c)
  }
  // The balancer: one service publishing each service's port and naming it in its config.
  const lb = Object.entries(services).find(([, s]) => (s.ports ?? []).length > 0 && !runsAddonkit(s) && !/(^|\/)(nats|postgres):/.test(String(s.image)))
  if (!lb) out.push('compose: no load balancer publishing the services\' ports')
  else {
    const config = (lb[1].volumes ?? []).map((v: unknown) => String(v).split(':')[0]!).filter((p: string) => p.startsWith('.')).map(readFile).join('\n')
    for (const name of SERVICE_NAMES) {
      const { port } = SERVICES[name]
      if (!(lb[1].ports as unknown[]).some((p) => String(p).startsWith(`${port}:`))) out.push(`compose ${lb[0]}: does not publish ${port} (${name})`)
      if (!new RegExp(`\\b${name}\\b\\s+${port}\\b`).test(config)) out.push(`compose ${lb[0]}: its config does not balance over ${name}:${port}`)
    }
    for (const name of SERVICE_NAMES) if (lb[1].depends_on?.[name]?.condition !== 'service_healthy') out.push(`compose ${lb[0]}: does not wait for ${name} to be healthy`)
  }
  return out
}

// ---- Kubernetes -----------------------------------------------------------------------

function podContainers (doc: Obj): Obj[] {
  const spec = doc.kind === 'Deployment' || doc.kind === 'Job' || doc.kind === 'StatefulSet' ? doc.spec?.template?.spec : null
  return isObj(spec) ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : []
}

const matches = (selector: Obj | undefined, labels: Obj | undefined): boolean =>
  isObj(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v)

function k8sComplaints (docs: Array<{ file: string, doc: Obj }>, listed: string[], filesInDir: string[], natsValues: Obj): string[] {
  const out: string[] = []
  const all = docs.map((d) => d.doc)
  const of = (kind: string) => all.filter((d) => d.kind === kind)
  for (const f of filesInDir.filter((f) => !['kustomization.yaml', 'nats-values.yaml'].includes(f))) if (!listed.includes(f)) out.push(`k8s: ${f} is not listed in kustomization.yaml`)
  if (of('Namespace').length !== 1) out.push('k8s: no Namespace')
  const configMaps = new Map(of('ConfigMap').map((d) => [d.metadata?.name, d]))
  const secrets = new Map(of('Secret').map((d) => [d.metadata?.name, d]))
  if (configMaps.size === 0) out.push('k8s: no ConfigMap')
  if (secrets.size === 0) out.push('k8s: no Secret')
  for (const name of SERVICE_NAMES) {
    const { port } = SERVICES[name]
    const dep = of('Deployment').find((d) => d.metadata?.name === name)
    if (!dep) { out.push(`k8s: no Deployment ${name}`); continue }
    if (dep.spec?.replicas !== 2) out.push(`k8s Deployment ${name}: replicas is ${dep.spec?.replicas}, not 2`)
    const podLabels = dep.spec?.template?.metadata?.labels
    if (!matches(dep.spec?.selector?.matchLabels, podLabels)) out.push(`k8s Deployment ${name}: its selector does not select its pods`)
    const pod = dep.spec?.template?.spec ?? {}
    if (pod.securityContext?.runAsNonRoot !== true) out.push(`k8s Deployment ${name}: runAsNonRoot is not set`)
    const [c] = pod.containers ?? []
    if (!c) { out.push(`k8s Deployment ${name}: no container`); continue }
    if (!(c.command ?? []).includes(serverScript(name))) out.push(`k8s Deployment ${name}: does not run ${serverScript(name)}`)
    if (!(c.ports ?? []).some((p: Obj) => p.containerPort === port)) out.push(`k8s Deployment ${name}: no containerPort ${port}`)
    const probePort = (p: Obj | undefined) => { const v = p?.httpGet?.port; return typeof v === 'string' ? (c.ports ?? []).find((x: Obj) => x.name === v)?.containerPort : v }
    if (c.readinessProbe?.httpGet?.path !== '/readyz' || probePort(c.readinessProbe) !== port) out.push(`k8s Deployment ${name}: readinessProbe is not GET /readyz on ${port}`)
    if (c.livenessProbe?.httpGet?.path !== '/healthz' || probePort(c.livenessProbe) !== port) out.push(`k8s Deployment ${name}: livenessProbe is not GET /healthz on ${port}`)
    if (!c.resources?.requests || !c.resources?.limits) out.push(`k8s Deployment ${name}: no resources`)
    if (c.securityContext?.readOnlyRootFilesystem !== true) out.push(`k8s Deployment ${name}: root filesystem is writable`)
    if (c.securityContext?.allowPrivilegeEscalation !== false) out.push(`k8s Deployment ${name}: allowPrivilegeEscalation is not false`)
    // Its environment: the ConfigMap and Secret it names exist, and together say production.
    const env: Obj = {}
    for (const from of c.envFrom ?? []) {
      const ref = from.configMapRef?.name ?? from.secretRef?.name
      const src = from.configMapRef ? configMaps.get(ref) : secrets.get(ref)
      if (!src) out.push(`k8s Deployment ${name}: envFrom names ${ref}, which is not in the manifests`)
      else Object.assign(env, src.data ?? {}, src.stringData ?? {})
    }
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value
    if (env.NODE_ENV !== 'production') out.push(`k8s Deployment ${name}: NODE_ENV is ${String(env.NODE_ENV)}, not production`)
    if (String(env.NATS_SYNC_ALWAYS) !== 'true') out.push(`k8s Deployment ${name}: NATS_SYNC_ALWAYS is not true`)
    if (env.NATS_ACCEPT_DURABILITY_RISK !== undefined) out.push(`k8s Deployment ${name}: NATS_ACCEPT_DURABILITY_RISK is set: the topology needs no exception`)
    const u = natsUrlComplaint(`k8s Deployment ${name}`, env.NATS_URL)
    if (u) out.push(u)
    if (env[SERVICES[name].portVar] !== undefined && Number(env[SERVICES[name].portVar]) !== port) out.push(`k8s Deployment ${name}: ${SERVICES[name].portVar} is not ${port}`)
    const svc = of('Service').find((s) => matches(s.spec?.selector, podLabels))
    if (!svc) out.push(`k8s: no Service selects ${name}`)
    else if (!(svc.spec?.ports ?? []).some((p: Obj) => (p.targetPort ?? p.port) === port)) out.push(`k8s Service ${svc.metadata?.name}: does not target port ${port}`)
    const pdb = of('PodDisruptionBudget').find((p) => matches(p.spec?.selector?.matchLabels, podLabels))
    if (!pdb) out.push(`k8s: no PodDisruptionBudget selects ${name}`)
    else if (pdb.spec?.minAvailable !== 1) out.push(`k8s PodDisruptionBudget ${pdb.metadata?.name}: minAvailable is not 1`)
  }
  const job = of('Job').find((j) => podContainers(j).some((c) => (c.image ?? '').includes('migrate')))
  if (!job) out.push('k8s: no migration Job')
  const ingress = of('Ingress')[0]
  if (!ingress) out.push('k8s: no Ingress')
  else {
    const tlsHosts = new Set((ingress.spec?.tls ?? []).flatMap((t: Obj) => t.hosts ?? []))
    for (const name of ['gateway', 'dashboard', 'log-drain']) {
      const rule = (ingress.spec?.rules ?? []).find((r: Obj) => (r.http?.paths ?? []).some((p: Obj) => p.backend?.service?.name === name))
      if (!rule) out.push(`k8s Ingress: no rule for ${name}`)
      else if (!tlsHosts.has(rule.host)) out.push(`k8s Ingress: ${name}'s host ${rule.host} has no TLS`)
    }
  }
  // NATS: the official chart's values.
  const cfg = natsValues.config ?? {}
  if (cfg.cluster?.enabled !== true || cfg.cluster?.replicas !== 3) out.push('nats-values: the cluster is not enabled with 3 replicas')
  if (cfg.jetstream?.enabled !== true || cfg.jetstream?.fileStore?.enabled !== true) out.push('nats-values: JetStream file storage is not enabled')
  if (cfg.jetstream?.merge?.sync_interval !== 'always') out.push('nats-values: jetstream sync_interval is not always')
  const image = `${natsValues.container?.image?.repository ?? 'nats'}:${natsValues.container?.image?.tag ?? ''}`
  const ic = natsImageComplaint('nats-values', image)
  if (ic) out.push(ic)
  return out
}

// ---- Dockerfile and Procfile ----------------------------------------------------------

function dockerfileComplaints (text: string): string[] {
  const out: string[] = []
  const stages = dockerStages(text)
  if (stages.length < 2) out.push(`Dockerfile: ${stages.length} FROM stage(s), not a multi-stage build`)
  const final = stages.at(-1)
  if (!final) return out
  const user = final.lines.filter((l) => /^USER\s/i.test(l)).at(-1)?.replace(/^USER\s+/i, '').split(':')[0]
  if (user === undefined || user === 'root' || user === '0') out.push(`Dockerfile: the final stage runs as ${user ?? 'root (no USER)'}`)
  const env = final.lines.filter((l) => /^ENV\s/i.test(l)).join(' ')
  if (!/\bNODE_ENV=production\b/.test(env)) out.push('Dockerfile: the final stage does not set NODE_ENV=production')
  if (!/\bHOST=0\.0\.0\.0\b/.test(env)) out.push('Dockerfile: the final stage does not set HOST=0.0.0.0')
  if (!final.lines.some((l) => /^HEALTHCHECK\s/i.test(l))) out.push('Dockerfile: no HEALTHCHECK')
  if (!final.lines.some((l) => /^CMD\s/i.test(l) && l.includes(serverScript('gateway')))) out.push('Dockerfile: the default command is not a service')
  // The final stage installs nothing itself, and every stage it copies node_modules from
  // (or one of that stage's ancestors, last install wins) installs production dependencies only.
  if (final.lines.some((l) => /^RUN\s.*\b(pnpm|npm|yarn)\s+(install|i|add|ci)\b/i.test(l))) out.push('Dockerfile: the final stage installs dependencies itself')
  const byName = new Map(stages.filter((s) => s.name).map((s) => [s.name!, s]))
  const lastInstall = (s: Stage | undefined, depth = 0): string | null => {
    if (!s || depth > 10) return null
    const own = s.lines.filter((l) => /^RUN\s/i.test(l) && /\bpnpm\s+(install|deploy)\b/.test(l)).at(-1)
    return own ?? lastInstall(byName.get(s.from), depth + 1)
  }
  const sources = final.lines.flatMap((l) => { const m = /^COPY\s+--from=(\S+)\s+(.*)$/i.exec(l); return m && m[2]!.includes('node_modules') ? [m[1]!] : [] })
  if (sources.length === 0) out.push('Dockerfile: the final stage copies no node_modules from a build stage')
  for (const src of sources) {
    const install = lastInstall(byName.get(src))
    if (install === null) out.push(`Dockerfile: stage ${src} installs no dependencies`)
    else if (!/--prod\b/.test(install)) out.push(`Dockerfile: stage ${src} installs devDependencies (no --prod)`)
  }
  if (!stages.some((s) => s.name === 'migrate' && s.lines.some((l) => /prisma.*migrate.*deploy/.test(l)))) out.push('Dockerfile: no migrate stage running prisma migrate deploy')
  return out
}

function procfileComplaints (text: string): string[] {
  const out: string[] = []
  const entries = procfile(text)
  for (const name of SERVICE_NAMES) {
    const command = entries.get(name)
    if (command === undefined) out.push(`Procfile: no ${name} process`)
    else if (!command.includes(`node ${serverScript(name)}`)) out.push(`Procfile ${name}: does not run ${serverScript(name)}`)
  }
  if (!/prisma\s+migrate\s+deploy/.test(entries.get('release') ?? '')) out.push('Procfile: no release process running prisma migrate deploy')
  return out
}

// ---- the tests ------------------------------------------------------------------------

const readDeploy = (rel: string): string => read(DEPLOY, rel)
const composeText = read(DEPLOY, 'compose.yaml')
const artifacts = (): Artifacts => ({
  compose: loadCompose(composeText),
  composeText,
  envExample: read(DEPLOY, '.env.example'),
  k8s: loadK8s(),
  dockerfile: read(DEPLOY, 'Dockerfile'),
  procfile: read(repoRoot, 'Procfile')
})
const k8sInputs = () => ({
  docs: loadK8s(),
  listed: parse(read(K8S, 'kustomization.yaml')).resources as string[],
  files: readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f)),
  natsValues: parse(read(K8S, 'nats-values.yaml')) as Obj
})

/** The complaints are exactly these, one pattern each, in order. */
function exactly (t: Test, got: string[], patterns: RegExp[]): void {
  t.equal(got.length, patterns.length, `complaints: ${got.join(' | ')}`)
  t.match(got, patterns)
}

t.test('every YAML file in deploy/ parses', async (t) => {
  const files = yamlFiles(DEPLOY)
  t.ok(files.length >= 10, `${files.length} YAML files`)
  t.same(files.flatMap((f) => yamlComplaints(f.slice(DEPLOY.length + 1), read(f))), [])
  exactly(t, yamlComplaints('broken.yaml', 'a: [1, 2\nb: c'), [/broken\.yaml/])
})

t.test('every variable the artifacts set or read is one packages/config knows', async (t) => {
  const a = artifacts()
  t.same(envVarComplaints(a), [])
  exactly(t, envVarComplaints({ ...a, envExample: a.envExample + '\nDATABSE_URL=postgresql://x/y\n' }), [/\.env\.example: DATABSE_URL/])
  const compose = structuredClone(a.compose)
  compose.services.gateway.environment.NATS_SYNC_ALWAY = 'true'
  exactly(t, envVarComplaints({ ...a, compose }), [/compose gateway\.environment: NATS_SYNC_ALWAY/])
  exactly(t, envVarComplaints({ ...a, dockerfile: a.dockerfile + '\nENV NODE_OPTIONS=--max-old-space-size=512\n' }), [/Dockerfile .* NODE_OPTIONS/])
  exactly(t, envVarComplaints({ ...a, procfile: a.procfile.replace('GATEWAY_PORT=', 'GATEWAY_PROT=') }), [/Procfile gateway: GATEWAY_PROT/])
  const k8s = structuredClone(a.k8s)
  k8s.find((d) => d.doc.kind === 'ConfigMap')!.doc.data.LOGLEVEL = 'debug'
  exactly(t, envVarComplaints({ ...a, k8s }), [/ConfigMap addonkit-config: LOGLEVEL/])
})

t.test('compose runs the loopback tests\' topology', async (t) => {
  const compose = loadCompose(composeText)
  t.same(composeComplaints(compose, readDeploy), [])

  const oneReplica = structuredClone(compose)
  oneReplica.services['log-drain'].deploy.replicas = 1
  exactly(t, composeComplaints(oneReplica, readDeploy), [/log-drain: deploy\.replicas is 1, not 2/])
  const twoNats = structuredClone(compose)
  delete twoNats.services['nats-3']
  t.ok(composeComplaints(twoNats, readDeploy).some((c) => /2 NATS services, not 3/.test(c)), 'two NATS servers are refused')
  const oldNats = structuredClone(compose)
  oldNats.services['nats-2'].image = 'nats:2.10.22-alpine'
  exactly(t, composeComplaints(oldNats, readDeploy), [/nats-2: nats 2\.10\.22 is older than 2\.10\.23/])
  const sameName = (rel: string) => readDeploy(rel).replace(/server_name: nats-\d/, 'server_name: nats-1')
  t.ok(composeComplaints(compose, sameName).some((c) => /server_name nats-1 is not distinct/.test(c)), 'equal server names are refused')
  const noSync = (rel: string) => readDeploy(rel).replace(/^\s*sync_interval: always$/m, '')
  t.ok(composeComplaints(compose, noSync).some((c) => /sync_interval/.test(c)), 'a server without sync_interval: always is refused')
  const dev = structuredClone(compose)
  dev.services.allocator.environment.NODE_ENV = 'development'
  dev.services.dashboard.environment.NATS_URL = 'nats://nats-1:4222'
  exactly(t, composeComplaints(dev, readDeploy), [/dashboard: NATS_URL lists 1 servers, not 3/, /allocator: NODE_ENV is development/])
})

t.test('the Kubernetes manifests: 2 replicas, probes, budgets, NATS of 3', async (t) => {
  const k = k8sInputs()
  t.same(k8sComplaints(k.docs, k.listed, k.files, k.natsValues), [])

  const docs = structuredClone(k.docs)
  const gw = docs.find((d) => d.doc.kind === 'Deployment' && d.doc.metadata.name === 'gateway')!.doc
  gw.spec.replicas = 1
  gw.spec.template.spec.containers[0].readinessProbe.httpGet.path = '/healthz'
  exactly(t, k8sComplaints(docs, k.listed, k.files, k.natsValues), [/gateway: replicas is 1, not 2/, /gateway: readinessProbe is not GET \/readyz on 5000/])
  const noPdb = k.docs.filter((d) => !(d.doc.kind === 'PodDisruptionBudget' && d.doc.metadata.name === 'allocator'))
  exactly(t, k8sComplaints(noPdb, k.listed, k.files, k.natsValues), [/no PodDisruptionBudget selects allocator/])
  const natsValues = structuredClone(k.natsValues)
  natsValues.config.cluster.replicas = 1
  natsValues.container.image.tag = '2.9.10-alpine'
  exactly(t, k8sComplaints(k.docs, k.listed, k.files, natsValues), [/3 replicas/, /nats 2\.9\.10 is older/])
  exactly(t, k8sComplaints(k.docs, k.listed.filter((f) => f !== 'ingress.yaml'), k.files, k.natsValues), [/ingress\.yaml is not listed/])
})

t.test('the image: stages, no root, no devDependencies; the Procfile names every process', async (t) => {
  const dockerfile = read(DEPLOY, 'Dockerfile')
  t.same(dockerfileComplaints(dockerfile), [])
  exactly(t, dockerfileComplaints(dockerfile.replace(/^USER 1000:1000$/m, 'USER root')), [/final stage runs as root/])
  exactly(t, dockerfileComplaints(dockerfile.replace(/--offline --prod/, '--offline')), [/installs devDependencies/])
  let froms = 0
  // One stage: everything else is wrong too, the stage count first.
  t.match(dockerfileComplaints(dockerfile.replace(/^FROM .*$/gm, (l) => froms++ === 0 ? l : '#'))[0], /1 FROM stage\(s\), not a multi-stage build/)
  t.ok(read(DEPLOY, 'healthcheck.mjs').includes("'/healthz'"), 'the HEALTHCHECK script asks /healthz')

  const proc = read(repoRoot, 'Procfile')
  t.same(procfileComplaints(proc), [])
  exactly(t, procfileComplaints(proc.replace(/^allocator:.*$/m, '')), [/no allocator process/])
  exactly(t, procfileComplaints(proc.replace(/^release:.*$/m, '')), [/no release process/])
})
