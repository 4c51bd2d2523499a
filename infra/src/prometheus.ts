// Finds or installs Prometheus and promtool (Debian package `prometheus`) and runs a
// Prometheus on loopback that scrapes the platform's /metrics, for the tests that check
// the metrics and the alert rules in infra/observability/. Like nats-server, no npm
// package ships it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { aptInstall, type RootRun, freePort, guardProcess, releaseProcess, assertPortFree } from '@addonkit/local-servers'

const DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin']

function which (name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  const found = r.stdout.trim()
  if (r.status === 0 && found) return found
  return DIRS.map((d) => join(d, name)).find((p) => existsSync(p))
}

export class PrometheusMissingError extends Error {
  constructor (detail: string) {
    super('prometheus and promtool are not installed and could not be installed automatically (' + detail + '). ' +
      'Install them with `sudo apt-get install --no-install-recommends prometheus` (Debian/Ubuntu), ' +
      'or download a release from the Prometheus project and put prometheus and promtool on PATH.')
    this.name = 'PrometheusMissingError'
  }
}

export interface PrometheusBinaries { prometheus: string, promtool: string }

function found (): PrometheusBinaries | undefined {
  const prometheus = which('prometheus')
  const promtool = which('promtool')
  return prometheus && promtool ? { prometheus, promtool } : undefined
}

/**
 * Stops the Prometheus the package's maintainer scripts started, if they did (its init
 * script runs one when no policy-rc.d forbids it; there is no systemd here): it would hold
 * :9090 and scrape nothing of ours. The init script stops only the daemon of its pid file.
 */
function stopPackageDaemon (run: RootRun): void {
  if (existsSync('/run/prometheus/prometheus.pid') && existsSync('/etc/init.d/prometheus')) run(['/etc/init.d/prometheus', 'stop'])
}

/** Returns the prometheus and promtool paths, installing the Debian package when missing and possible. */
export function ensurePrometheus (log: (msg: string) => void = console.log): PrometheusBinaries {
  const have = found()
  if (have) return have
  // No node-exporter (a Recommends, a daemon of its own); the daemon the package may start is stopped.
  const outcome = aptInstall('prometheus', log, { after: stopPackageDaemon })
  if (!outcome.ok) throw new PrometheusMissingError(outcome.reason)
  const installed = found()
  if (!installed) throw new PrometheusMissingError('the package installed no prometheus or promtool binary')
  return installed
}

/** One service's /metrics to scrape. */
export interface ScrapeTarget {
  /** The `job` label (gateway, dashboard, log-drain, allocator). */
  job: string
  /** Where /metrics answers, e.g. https://127.0.0.1:5002/metrics. */
  url: string
  /** PEM certificate to trust for an https target (the local platform's self-signed one). */
  ca?: string
  /** METRICS_TOKEN, sent as `Authorization: Bearer` (written to a file beside the config). */
  bearerToken?: string
}

export interface PrometheusOptions {
  /** Config, token files and the TSDB go here. */
  dir: string
  targets?: ScrapeTarget[]
  /** Further scrape_configs entries, as Prometheus reads them. */
  scrapeConfigs?: Array<Record<string, unknown>>
  /** Absolute paths of rule files (alerts.yml). */
  ruleFiles?: string[]
  /** Seconds; default 1 (tests poll for series). */
  scrapeIntervalS?: number
  /** A fixed port; default a free one. */
  port?: number
  binary?: string
  log?: (msg: string) => void
}

export interface PrometheusHandle {
  /** http://127.0.0.1:<port> */
  url: string
  port: number
  configFile: string
  process: ChildProcess
  /** An instant query through /api/v1/query: the result vector. */
  query (expr: string): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>>
  /** The label sets of the series a selector matches, through /api/v1/series. */
  series (match: string): Promise<Array<Record<string, string>>>
  /** Stops it (SIGTERM, then SIGKILL after 5 s). */
  stop (): Promise<void>
}

/** The scrape_configs entry for one target: scheme, address and path split out of its URL. */
function scrapeConfigOf (t: ScrapeTarget, dir: string): Record<string, unknown> {
  const u = new URL(t.url)
  const c: Record<string, unknown> = {
    job_name: t.job,
    scheme: u.protocol.replace(':', ''),
    metrics_path: u.pathname,
    static_configs: [{ targets: [u.host] }]
  }
  if (t.ca) {
    const caFile = join(dir, `${t.job}-ca.pem`)
    writeFileSync(caFile, t.ca)
    c.tls_config = { ca_file: caFile }
  }
  if (t.bearerToken) {
    const tokenFile = join(dir, `${t.job}-token`)
    writeFileSync(tokenFile, t.bearerToken, { mode: 0o600 })
    c.authorization = { type: 'Bearer', credentials_file: tokenFile }
  }
  return c
}

function getJson (url: string): Promise<{ status: number, body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d })
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }) } catch (err) { reject(err) } })
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)))
  })
}

/** Runs Prometheus on 127.0.0.1 with a generated config, and resolves once /-/ready answers 200. */
export async function startPrometheus (opts: PrometheusOptions): Promise<PrometheusHandle> {
  const binary = opts.binary ?? ensurePrometheus(opts.log).prometheus
  const port = opts.port ?? await freePort()
  await assertPortFree(port, 'prometheus', 'choose another port')
  mkdirSync(opts.dir, { recursive: true })
  const interval = `${opts.scrapeIntervalS ?? 1}s`
  // JSON is YAML: no YAML library needed to write the config.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: [...(opts.targets ?? []).map((t) => scrapeConfigOf(t, opts.dir)), ...(opts.scrapeConfigs ?? [])]
  }
  const configFile = join(opts.dir, 'prometheus.yml')
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  const child = spawn(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(opts.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle'
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  // Its own process group, like nats-server; the reaper stops it whatever ends this process.
  process.once('exit', () => { if (child.exitCode === null) child.kill('SIGTERM') })
  if (child.pid) guardProcess({ pid: child.pid, match: 'prometheus', group: true })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) { if (child.pid) releaseProcess(child.pid); return }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => { clearTimeout(timer); if (child.pid) releaseProcess(child.pid); resolve() })
      child.kill('SIGTERM')
    })
  }
  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      if ((await getJson(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200) break
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`)
      if (Date.now() > deadline) throw new Error(`prometheus on ${url} was not ready within 30 s: ${stderr.trim()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (err) {
    await stop()
    throw err
  }
  const api = async (path: string): Promise<any> => {
    const r = await getJson(url + path)
    if (r.status !== 200 || r.body?.status !== 'success') throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body.data
  }
  return {
    url,
    port,
    configFile,
    process: child,
    query: async (expr) => (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    series: async (match) => await api(`/api/v1/series?match[]=${encodeURIComponent(match)}`),
    stop
  }
}
