// How Heroku reads a provider's answers and what it does to the add-on (protocol §4.2–§4.5,
// §7, §8): a synchronous 2xx it can accept provisions it and sets the config; an answer
// it cannot accept (not JSON, a config var outside the manifest) fails the install; 202
// waits for actions/provision; a 4xx refusal ends the install; a 5xx or no answer leaves
// it for a retry. One place, used by the in-process sim and its control API alike.
import { planChangeAnswerProblem, provisionAnswerProblem } from '../partner-api/provider-response-check.js'
import type { SimAddon, SimManifest } from '../types.js'

export type AnsweredVerb = 'POST' | 'PUT' | 'DELETE'

export interface ProviderAnswer {
  /** HTTP status; 0 when no answer came. */
  status: number
  /** Parsed JSON, null for an empty body, the raw text when it is not JSON. */
  body: any
  /** Set by the caller when the answer is already known to be unacceptable (not JSON). */
  rejected?: string
}

/** Applies one answer to the add-on; returns why Heroku rejects it, if it does. */
export function readAnswer (manifest: SimManifest, addon: SimAddon | undefined, verb: AnsweredVerb, answer: ProviderAnswer, plan?: string): string | undefined {
  if (verb === 'POST') return readProvision(manifest, addon, answer)
  if (verb === 'PUT') return readPlanChange(manifest, addon, answer, plan)
  readDeprovision(addon, answer)
  return answer.rejected
}

function readProvision (manifest: SimManifest, addon: SimAddon | undefined, r: ProviderAnswer): string | undefined {
  if (r.status >= 200 && r.status < 300) {
    const rejected = r.rejected ?? provisionAnswerProblem(r.body, manifest)
    if (!addon) return rejected
    if (rejected !== undefined) {
      // Heroku fails the install when it cannot accept the answer (§2.2 config_vars).
      if (addon.state === 'provisioning') addon.state = 'deprovisioned'
      return rejected
    }
    addon.providerId = r.body.id
    if (typeof r.body.log_drain_url === 'string') addon.logDrainUrl = r.body.log_drain_url
    // 202: Heroku waits for actions/provision (§4.3). Anything else is synchronous success.
    if (r.status === 202) return undefined
    Object.assign(addon.config, r.body.config ?? {})
    if (addon.state === 'provisioning') addon.state = 'provisioned'
    return undefined
  }
  // A refusal ends the install (§4.5); 5xx and no answer leave it for a retry.
  if (addon && r.status >= 400 && r.status < 500 && addon.state === 'provisioning') addon.state = 'deprovisioned'
  return r.rejected
}

function readPlanChange (manifest: SimManifest, addon: SimAddon | undefined, r: ProviderAnswer, plan: string | undefined): string | undefined {
  if (r.status < 200 || r.status >= 300) return r.rejected
  const rejected = r.rejected ?? planChangeAnswerProblem(r.body, manifest)
  if (!addon || rejected !== undefined) return rejected
  if (plan !== undefined) addon.plan = plan
  const config = (r.body?.config ?? {}) as Record<string, string>
  const changed = Object.entries(config).some(([k, v]) => addon.config[k] !== v)
  Object.assign(addon.config, config)
  if (changed && addon.state === 'provisioned') addon.releases++
  return undefined
}

function readDeprovision (addon: SimAddon | undefined, r: ProviderAnswer): void {
  if (!addon) return
  // 202 is the async-deprovision beta (§7.2); 410 is how some providers say "already gone".
  if (r.status === 202) { if (addon.state !== 'deprovisioned') addon.state = 'deprovisioning' }
  else if ((r.status >= 200 && r.status < 300) || r.status === 410) addon.state = 'deprovisioned'
}
