// The session and add-on of a dashboard request, set on the request by the session check
// (routes/dashboard.ts), and what the page shell shows of them.
import type { Instance } from '@addonkit/db'
import type { Session } from '../plugins/session-store.js'
import type { Section, SignedIn } from '../views/layout.js'

export interface SignedInRequest { sessionId: string, session: Session, instance: Instance }

declare module 'fastify' {
  interface FastifyRequest {
    /** The session and add-on of a dashboard request (set by the session check). */
    signedIn: SignedInRequest | null
  }
}

export function signedInAs (s: SignedInRequest, section: Section): SignedIn {
  return { uuid: s.instance.uuid, email: s.session.email, app: s.session.app, csrfToken: s.session.csrfToken, section }
}
