// POST /logs, the sim's Logplex input (protocol §11.2): Basic `token:t.<token uuid>` (401),
// Content-Type application/logplex-1 (415), an exact Content-Length and no chunked
// encoding (400), an optional `Content-Encoding: gzip` (§11.2; a body that does not inflate is
// 400, one that inflates past MAX_INFLATED is 413, any coding but gzip or identity is 415 as
// RFC 9110 §15.5.16 says for an unsupported content coding), frames parsed by byte count and
// checked against Logplex-Msg-Count (400).
import { gunzipSync } from 'node:zlib'
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
  const body = decodeContent(req)
  if ('reply' in body) return body.reply
  let frames
  try {
    frames = parseLogplexBody(body.bytes)
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

/** Most bytes a gzip body may inflate to (the sim's raw body limit, 5 MiB). */
export const MAX_INFLATED = 5 * 1024 * 1024

/** The body with its Content-Encoding undone: none, identity or gzip. */
function decodeContent (req: SimRequest): { bytes: Buffer } | { reply: SimReply } {
  const header = req.headers['content-encoding']
  const codings = (header ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity')
  if (codings.length === 0) return { bytes: req.raw }
  if (codings.length !== 1 || codings[0] !== 'gzip') {
    return { reply: herokuError(415, 'unsupported_media_type', `Content-Encoding ${header} is not supported; send gzip or no encoding.`) }
  }
  try {
    return { bytes: gunzipSync(req.raw, { maxOutputLength: MAX_INFLATED }) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { reply: herokuError(413, 'request_entity_too_large', `The gzip body inflates to more than ${MAX_INFLATED} bytes.`) }
    }
    return { reply: herokuError(400, 'bad_request', `The gzip body does not decompress: ${(err as Error).message}.`) }
  }
}
