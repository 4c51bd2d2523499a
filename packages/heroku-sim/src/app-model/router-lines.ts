// Heroku router log lines (protocol §11.1, §21.5; Dev Center "Heroku Router Log Format"), the
// MSG part of a `heroku router` frame (PRI 158). A served request:
//   at=info method=GET path="/" host=myapp.herokuapp.com request_id=… fwd="203.0.113.5" dyno=web.2 connect=1ms service=37ms status=200 bytes=512 protocol=https
// H12, no answer within 30 s (the router gives the client a 503):
//   at=error code=H12 desc="Request timeout" method=GET path="/" … dyno=web.2 connect=1ms service=30000ms status=503 bytes=0 protocol=https
// H14, no web dynos running: the router reaches no dyno and leaves dyno, connect, service and bytes empty.

export interface RouterRequestFields {
  method: string
  path: string
  host: string
  requestId: string
  fwd: string
  /** `web.N`; null when no dyno was reached (H14). */
  dyno: string | null
  connectMs: number
  serviceMs: number
  status: number
  bytes: number
  code?: 'H12' | 'H14'
}

const DESC = { H12: 'Request timeout', H14: 'No web processes running' }

export function formatRouterLine (r: RouterRequestFields): string {
  const head = r.code === undefined ? 'at=info' : `at=error code=${r.code} desc="${DESC[r.code]}"`
  const where = `method=${r.method} path="${r.path}" host=${r.host} request_id=${r.requestId} fwd="${r.fwd}"`
  if (r.dyno === null) return `${head} ${where} dyno= connect= service= status=${r.status} bytes= protocol=https`
  return `${head} ${where} dyno=${r.dyno} connect=${r.connectMs}ms service=${r.serviceMs}ms status=${r.status} bytes=${r.bytes} protocol=https`
}
