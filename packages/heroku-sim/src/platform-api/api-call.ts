// What a Platform API route handler gets once the request passed the checks every route
// shares (Accept, bearer token, rate limit; platform-api-routes.ts): the state, the request
// and who is calling.
import type { SimState } from '../model/sim-state.js'
import type { Principal } from '../model/token-store.js'
import type { SimRequest } from '../sim-http.js'

export interface ApiCall {
  state: SimState
  req: SimRequest
  principal: Principal
}
