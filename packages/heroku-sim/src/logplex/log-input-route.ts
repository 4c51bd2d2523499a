// POST /logs, the sim's Logplex input (protocol §11.2): Basic `token:t.<token uuid>` (401),
// Content-Type application/logplex-1 (415), an exact Content-Length and no chunked
// encoding (400), frames parsed by byte count and checked against Logplex-Msg-Count (400).
import { LogplexParseError, parseLogplexBody } from './logplex-parser.js'
import { type SimReply, type SimRequest, basicCredentials, herokuError, mediaType } from '../sim-http.js'
import type { SimState } from '../model/sim-state.js'

export function handleLogInput (state: SimState, req: SimRequest): SimReply {
  const creds = basicCredentials(req.headers.authorization)
  const uuid = creds?.user === 'token' ? state.logTokenOwner(creds.pass) : undefined
  const addon = uuid === undefined ? undefined : state.addons.get(uuid)
  if (!addon) return herokuError(401, 'unauthorized', 'Invalid log input credentials.')
  if (mediaType(req.headers['content-type']) !== 'application/logplex-1') {
    return herokuError(415, 'unsupported_media_type', 'Content-Type must be application/logplex-1.')
  }
  if (req.headers['transfer-encoding'] !== undefined) {
    return herokuError(400, 'bad_request', 'Chunked transfer encoding is not supported; send a Content-Length.')
  }
  const declared = req.headers['content-length']
  if (declared === undefined || !/^\d+$/.test(declared) || Number(declared) !== req.raw.length) {
    return herokuError(400, 'bad_request', 'A Content-Length equal to the body size is required.')
  }
  if (req.headers['content-encoding'] !== undefined) {
    return herokuError(415, 'unsupported_media_type', 'The sim does not accept Content-Encoding.')
  }
  let frames
  try {
    frames = parseLogplexBody(req.raw)
  } catch (err) {
    if (err instanceof LogplexParseError) return herokuError(400, 'bad_request', err.message)
    throw err
  }
  const header = req.headers['logplex-msg-count']
  const count = Array.isArray(header) ? header.join(',') : header
  if (count !== undefined && (!/^\d+$/.test(count) || Number(count) !== frames.length)) {
    return herokuError(400, 'bad_request', `Logplex-Msg-Count is ${count} but the body has ${frames.length} frames.`)
  }
  for (const frame of frames) {
    addon.logFrames.push(frame)
    addon.logLines.push(frame.message)
  }
  return { status: 204 }
}
