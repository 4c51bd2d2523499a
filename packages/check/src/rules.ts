// The rules `addonkit check` holds a provider to, one table, each with the section of the
// Heroku protocol reference it comes from and how much it matters: `must` (Heroku or its
// customers break when it fails: the run fails) or `should` (a recommendation, or Heroku
// works around it: reported as a warning). Where the reference leaves a question open,
// the rule takes the safe side and says so in its text.
export type Severity = 'must' | 'should'

export interface Rule {
  id: string
  group: RuleGroup
  title: string
  /** Sections of the protocol reference, e.g. `§7.1, §3.3`. */
  spec: string
  severity: Severity
}

export const GROUPS = ['manifest', 'auth', 'provision', 'async', 'plan', 'sso', 'drain', 'deprovision', 'log-input', 'timing'] as const
export type RuleGroup = typeof GROUPS[number]

const table: Array<[string, RuleGroup, Severity, string, string]> = [
  ['manifest.id', 'manifest', 'must', '§2.2', 'the add-on id is a lower-case slug'],
  ['manifest.api-version', 'manifest', 'must', '§2.2', 'api.version is "3"'],
  ['manifest.password', 'manifest', 'must', '§2.2', 'api.password has 8 to 72 characters'],
  ['manifest.config-vars', 'manifest', 'must', '§2.2, §9.1', 'every config var matches ^[A-Z][0-9A-Z_]+$ and starts with the prefix'],
  ['manifest.regions', 'manifest', 'should', '§2.2, §12', 'api.regions is a non-empty list that includes "us" (or "*")'],
  ['manifest.requires', 'manifest', 'must', '§2.2', 'api.requires holds only known features'],
  ['manifest.urls', 'manifest', 'must', '§2.2', 'base_url and sso_url are absolute URLs (https for the section under test with --production)'],
  ['manifest.production-https', 'manifest', 'should', '§2.2, §3.1', 'api.production URLs are https: Heroku needs them so before the manifest is pushed'],
  ['manifest.no-username', 'manifest', 'must', '§2.2, §17.1', 'no deprecated api.username'],

  ['auth.none', 'auth', 'must', '§3.2, §18.1', 'a provision without Authorization gets 401'],
  ['auth.wrong-password', 'auth', 'must', '§3.2, §18.1', 'a provision with a wrong password gets 401'],
  ['auth.wrong-user', 'auth', 'must', '§3.2, §18.1', 'a provision with another add-on id as user gets 401'],
  ['auth.plan-change', 'auth', 'must', '§3.2, §18.1', 'a plan change with a wrong password gets 401'],
  ['auth.deprovision', 'auth', 'must', '§3.2, §18.1', 'a deprovision with a wrong password gets 401'],

  ['provision.accepted', 'provision', 'must', '§4.1, §4.2, §3.5, §18.2', 'a v3 provision with an unknown extra field gets 200 or 202 with a JSON object and a non-empty string id'],
  ['provision.answer', 'provision', 'must', '§4.2, §9, §18.5', 'the answer\'s config keys are in the manifest\'s config_vars, all strings; message is a string'],
  ['provision.config-urls', 'provision', 'should', '§9.2, §17.2', 'every *_URL config value is an absolute URL with a scheme and a host'],
  ['provision.drain-url', 'provision', 'must', '§4.2, §11.1, §18.5', 'with syslog_drain, a synchronous answer carries a log_drain_url matching ^(https|syslog)://'],
  ['provision.grant-exchanged', 'provision', 'should', '§5.1, §6.1', 'the OAuth grant is exchanged at once, even when the answer is synchronous'],
  ['provision.replay', 'provision', 'must', '§3.6, §4.4, §18.3', 'the same request again gets the same status and the same id'],
  ['provision.replay-body', 'provision', 'should', '§4.4', 'the same request again gets the same body'],
  ['provision.concurrent', 'provision', 'must', '§3.6, §4.4, §18.3', '20 identical requests at once all get the same 2xx and one id'],
  ['provision.distinct', 'provision', 'must', '§1, §18.4', 'another uuid gets another id'],
  ['provision.conflicting-replay', 'provision', 'should', '§4.4 [UNCONFIRMED]', 'a known uuid with another plan is refused with 409 or 422 and a message, not treated as new'],
  ['provision.unknown-plan', 'provision', 'must', '§3.8, §4.5, §18.6', 'an unknown plan gets 422 with a message'],
  ['provision.unknown-region', 'provision', 'must', '§4.5, §12', 'an unknown region gets 422 with a message or is ignored (2xx), never 5xx'],
  ['provision.bad-request', 'provision', 'should', '§3.8', 'a body without a uuid gets a 4xx with a message, never 5xx'],

  ['async.completes', 'async', 'must', '§4.3, §5.1, §18.8', 'after a 202 the provider calls actions/provision and the add-on becomes provisioned'],
  ['async.grant-exchanged', 'async', 'must', '§5.1, §6.1, §18.8', 'after a 202 the grant is exchanged before it expires'],
  ['async.config-pushed', 'async', 'should', '§5.1, §5.2, §18.8', 'after a 202 the config vars are pushed with PATCH /addons/{uuid}/config before actions/provision'],
  ['async.api-calls', 'async', 'must', '§5.2, §6.3, §18.8', 'every Platform API call is accepted: Bearer token, exact Accept, config names from the manifest'],
  ['async.user-agent', 'async', 'should', '§11.2', 'calls to Heroku carry a User-Agent naming the add-on'],

  ['plan.change', 'plan', 'must', '§8, §18.9', 'a change to another plan gets 200 (config from the manifest) or 202'],
  ['plan.same', 'plan', 'must', '§8, §18.10', 'a change to the current plan gets 200'],
  ['plan.unknown', 'plan', 'must', '§8, §18.11', 'a change to an unknown plan gets 422 with a message'],
  ['plan.unknown-resource', 'plan', 'should', '§8', 'a change for a uuid never provisioned gets a 4xx, never 5xx'],
  ['plan.empty-body', 'plan', 'should', '§3.3, §3.8', 'a PUT with a JSON Content-Type and no body gets a 4xx with a message, never 5xx'],

  ['sso.login', 'sso', 'must', '§10.1, §10.3, §18.14', 'the form Heroku posts signs in: 302/303 with a session cookie, no Basic auth or CSRF token needed'],
  ['sso.user-scoped-token', 'sso', 'should', '§10.2, §10.3, §18.14', 'user_scoped_resource_token alone (sha256) signs in'],
  ['sso.resource-token', 'sso', 'should', '§10.2, §10.3, §18.14', 'resource_token alone (sha1) signs in'],
  ['sso.charset', 'sso', 'should', '§10.1', 'the form posted with Content-Type ...; charset=UTF-8 signs in'],
  ['sso.bad-token', 'sso', 'must', '§10.3, §18.15', 'wrong tokens get 403'],
  ['sso.stale', 'sso', 'must', '§10.3, §17.5, §18.16', 'a timestamp 6 minutes old gets 403'],
  ['sso.future', 'sso', 'must', '§10.3', 'a timestamp 6 minutes ahead gets 403'],
  ['sso.recent', 'sso', 'should', '§10.3', 'a timestamp 1 minute old still signs in'],
  ['sso.replay', 'sso', 'should', '§10.3 [UNCONFIRMED]', 'the same signed form posted twice signs in once'],
  ['sso.unknown-resource', 'sso', 'must', '§10.3, §18.17', 'valid tokens for an unknown resource get 403 or 404'],
  ['sso.cookie', 'sso', 'must', '§10.3', 'the session cookie is HttpOnly, SameSite Lax or None (not Strict), and Secure on https'],
  ['sso.cookie-http', 'sso', 'should', '§10.3', 'over plain http the session cookie is not Secure (a browser would drop it)'],
  ['sso.custom-params', 'sso', 'should', '§10.1, §10.7', 'extra form fields (e.g. issue_no) reach the page the user lands on'],
  ['sso.after-deprovision', 'sso', 'should', '§10.3', 'after deprovisioning, valid tokens get 403 or 404'],

  ['drain.accepts', 'drain', 'must', '§11.1, §18.19', 'the reference\'s 4-frame Logplex body gets 2xx'],
  ['drain.frame-id-retry', 'drain', 'must', '§11.1, §18.19', 'a retry with the same Logplex-Frame-Id gets 2xx'],
  ['drain.odd-frames', 'drain', 'must', '§11.1, §18.19', 'frames without a trailing LF, with multi-byte UTF-8, an embedded LF and a 10,000-byte message get 2xx'],
  ['drain.content-type-params', 'drain', 'should', '§11.1', 'Content-Type application/logplex-1 with parameters gets 2xx'],
  ['drain.count-mismatch', 'drain', 'must', '§11.1, §18.19', 'a Logplex-Msg-Count that disagrees with the body gets no 5xx (400 drops it for good)'],
  ['drain.wrong-type', 'drain', 'must', '§11.1', 'a body that is not application/logplex-1 gets a 4xx (415), never 2xx or 5xx'],
  ['drain.unknown-token', 'drain', 'must', '§11.1, §18.19', 'an unknown Logplex-Drain-Token gets 2xx (discarded) or 401/403, never 5xx'],

  ['deprovision.delete', 'deprovision', 'must', '§7.1, §3.3, §18.12', 'DELETE as Heroku sends it (JSON Content-Type, no body) gets 204 or 200'],
  ['deprovision.repeat', 'deprovision', 'must', '§7.1, §18.13', 'the same DELETE again gets 2xx or 410, never 5xx'],
  ['deprovision.unknown', 'deprovision', 'must', '§7.1, §18.13', 'a DELETE for a uuid never provisioned gets 2xx or 410, never 5xx'],
  ['deprovision.no-resurrection', 'deprovision', 'must', '§3.6, §7.1', 'a late retry of the provision of a deprovisioned uuid gets a 4xx (410), not a new resource'],

  ['log-input.accepted', 'log-input', 'must', '§11.2, §18.20', 'every write to the app\'s log_input_url is accepted by Logplex'],
  ['log-input.user-agent', 'log-input', 'should', '§11.2, §18.20', 'writes to log_input_url carry a User-Agent naming the add-on'],

  ['timing.hard-limit', 'timing', 'must', '§3.7', 'every answer comes within 25 s'],
  ['timing.should', 'timing', 'should', '§3.7, §18.7', 'the p99 answer time is under 3 s']
]

export const RULES: ReadonlyMap<string, Rule> = new Map(table.map(([id, group, severity, spec, title]) => [id, { id, group, severity, spec, title }]))

export function rule (id: string): Rule {
  const r = RULES.get(id)
  if (!r) throw new Error(`addonkit check: no rule ${id}`)
  return r
}
