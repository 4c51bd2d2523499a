// Request and response schemas of the dashboard's routes. Pages are HTML strings; forms are
// application/x-www-form-urlencoded. SSO requests may carry fields we do not know (spec
// §10.7: ignore them), so their schemas allow additional properties.
import { Type } from '@fastify/type-provider-typebox'

export const HtmlPage = Type.String({ description: 'text/html page' })
export const Redirect = Type.Null({ description: 'redirect; see Location' })

const Field = Type.String({ maxLength: 2000 })

/** The v3 SSO form (protocol §10.2); every field optional so that a bad request gets a 403 page. */
export const SsoForm = Type.Object({
  resource_id: Type.Optional(Field),
  id: Type.Optional(Field),
  timestamp: Type.Optional(Field),
  resource_token: Type.Optional(Field),
  user_scoped_resource_token: Type.Optional(Field),
  token: Type.Optional(Field),
  user_id: Type.Optional(Field),
  email: Type.Optional(Field),
  app: Type.Optional(Field),
  context_app: Type.Optional(Field),
  'nav-data': Type.Optional(Type.String({ maxLength: 20000 }))
}, { additionalProperties: true })

/** The legacy v1 GET (protocol §10.6). */
export const LegacySsoQuery = Type.Object({
  token: Type.Optional(Field),
  timestamp: Type.Optional(Field),
  email: Type.Optional(Field),
  app: Type.Optional(Field),
  'nav-data': Type.Optional(Type.String({ maxLength: 20000 }))
}, { additionalProperties: true })

export const LegacySsoParams = Type.Object({ id: Type.String({ maxLength: 200 }) })

export const InstanceParams = Type.Object({
  uuid: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' })
})

/** Extras Heroku passed through SSO, shown on the landing page. */
export const LandingQuery = Type.Record(Type.String(), Type.Unknown())

export const CredentialsQuery = Type.Object({ notice: Type.Optional(Type.String({ maxLength: 64 })) })

/** Every dashboard form: the CSRF token, checked by the handler (a missing one is a 403 page, not a 400). */
export const CsrfForm = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: true })

const SearchField = Type.Optional(Type.String({ maxLength: 500 }))

/** The logs search form (GET); values are checked by logs/search-form.ts, never refused here. */
export const LogsQuery = Type.Object({
  q: SearchField, range: SearchField, from: SearchField, to: SearchField, source: SearchField,
  proc: SearchField, status: SearchField, path: SearchField, before: Type.Optional(Type.String({ maxLength: 64 }))
})

export const EventStream = Type.String({ description: 'text/event-stream of `line` events (LogTailLine JSON) and keep-alive comments' })

/** The Autoscaling page's notices after a redirect (unknown values are ignored). */
export const AutoscalingQuery = Type.Object({ notice: Type.Optional(Type.String({ maxLength: 64 })), type: Type.Optional(Type.String({ maxLength: 200 })) })

export const ProcessTypeParams = Type.Object({
  uuid: InstanceParams.properties.uuid,
  type: Type.String({ maxLength: 200 })
})

const PolicyField = Type.Optional(Type.String({ maxLength: 200 }))

/** The settings form (and the add form's process_type); values are judged by autoscaling/policy-form.ts. */
export const PolicyForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  process_type: PolicyField,
  enabled: PolicyField,
  min: PolicyField,
  max: PolicyField,
  metric: PolicyField,
  upscale_above: PolicyField,
  downscale_below: PolicyField,
  upscale_jump: PolicyField,
  upscale_cooldown_s: PolicyField,
  downscale_delay_s: PolicyField
}, { additionalProperties: true })

/** Heroku's redirect back after "Connect Heroku account" (RFC 6749 §4.1.2: code and state, or error). */
export const OAuthCallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2000 })),
  state: Type.Optional(Type.String({ maxLength: 200 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 }))
}, { additionalProperties: true })
