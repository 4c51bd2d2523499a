// What Heroku checks in the provider's answers before it believes them (protocol §4.2, §8, §9):
// a JSON object, a non-empty string `id` at provisioning, config keys from the manifest
// with string values, a usable log_drain_url. Returns why Heroku would reject the answer.
import type { SimManifest } from '../types.js'

export function provisionAnswerProblem (body: unknown, manifest: SimManifest): string | undefined {
  if (!isObject(body)) return 'the answer is not a JSON object'
  if (typeof body.id !== 'string' || body.id === '') return 'the answer has no non-empty string "id"'
  return configProblem(body, manifest) ?? drainProblem(body)
}

export function planChangeAnswerProblem (body: unknown, manifest: SimManifest): string | undefined {
  // An empty 200 is tolerated: config and message are both optional (§8).
  if (body === null || body === undefined) return undefined
  if (!isObject(body)) return 'the answer is not a JSON object'
  return configProblem(body, manifest)
}

function configProblem (body: Record<string, unknown>, manifest: SimManifest): string | undefined {
  if (body.message !== undefined && typeof body.message !== 'string') return '"message" must be a string'
  if (body.config === undefined) return undefined
  if (!isObject(body.config)) return '"config" must be an object of strings'
  const allowed = new Set(manifest.api.config_vars)
  for (const [name, value] of Object.entries(body.config)) {
    if (!allowed.has(name)) return `config var ${name} is not in the manifest's config_vars`
    if (typeof value !== 'string') return `config var ${name} is not a string`
  }
  return undefined
}

function drainProblem (body: Record<string, unknown>): string | undefined {
  if (body.log_drain_url === undefined) return undefined
  const url = body.log_drain_url
  if (typeof url === 'string' && /^(https|syslog):\/\/\S+$/.test(url)) return undefined
  // Heroku wants https:// or syslog:// (kensa: ^(https|syslog)://). Plain http is let
  // through for a loopback host only, for test stacks that serve drains without TLS.
  if (typeof url === 'string' && /^http:\/\/\S+$/.test(url) && LOOPBACK.has(hostOf(url))) return undefined
  return '"log_drain_url" must be an https:// or syslog:// URL'
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

function hostOf (url: string): string {
  try { return new URL(url).hostname } catch { return '' }
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
