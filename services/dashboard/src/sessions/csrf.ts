// CSRF protection of the dashboard's forms: each form carries the session's token in the
// hidden field `_csrf`; a state-changing POST without the matching token is refused (403)
// before anything happens. The token lives and dies with the server-side session.
import { safeEqual } from '@addonkit/secrets'
import { CsrfInvalid } from '../errors.js'
import type { Session } from '../plugins/session-store.js'

export const CSRF_FIELD = '_csrf'

export function assertCsrf (session: Session, presented: unknown): void {
  if (typeof presented !== 'string' || presented === '' || !safeEqual(presented, session.csrfToken)) throw new CsrfInvalid()
}
