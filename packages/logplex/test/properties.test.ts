// Property-based tests (fast-check): what encodeFrames writes parseFrames reads back
// exactly, a cut or corrupted body is rejected with a FramingError and nothing else, and
// no input makes the parser throw anything but a FramingError.
import t from 'tap'
import fc from 'fast-check'
import { FramingError, checkFrames, encodeFrames, parseFrames, scanFrames, walkFrames, type EncodeFrameInput, type LogFrame } from '../src/index.js'

const RUNS = Number(process.env.ADDONKIT_FC_RUNS ?? 300)

const isWellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s
const isToken = (s: string): boolean => s.length > 0 && ![...s].some((c) => c.charCodeAt(0) <= 0x20 || c === '\u007f')

// Units that stress the parser: multi-byte UTF-8 (emoji, ZWJ sequences, CJK, combining
// marks), LFs, CR, characters that look like framing or structured data.
const tricky = fc.constantFrom('\n', '\r\n', '\r', ' ', '-', '- ', '[', ']', '"', '=', '<', '>', '0', '12 ', '😀', '👩‍👩‍👧', '🇯🇵', '世界', '한국어', 'e\u0301', 'a\u0308\u0323', '\u0000', '\t', '\ufeff', '\u2028', 'é', 'ß')
const unicodeMessage = fc.string({ unit: fc.oneof({ arbitrary: tricky, weight: 2 }, { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 }), maxLength: 120 }).filter(isWellFormed)
const asciiMessage = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), fc.constantFrom('\n', ' ', '- ')), maxLength: 200 })
const asciiToken = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 24 }).filter(isToken)
const unicodeToken = fc.oneof(asciiToken, fc.string({ unit: fc.oneof(fc.constantFrom('é', '世', '😀', 'web.1', '[', '"'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 }).filter((s) => isToken(s) && isWellFormed(s)))

/** An RFC 3339 timestamp and the Date it must parse to (ms precision, truncated). */
const rfc3339 = fc.record({
  ms: fc.integer({ min: Date.UTC(1, 0, 2), max: Date.UTC(9999, 11, 30) }),
  offsetMin: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
  fraction: fc.constantFrom(0, 1, 2, 3, 6, 9),
  micros: fc.integer({ min: 0, max: 999999 }),
  zulu: fc.boolean(),
  lower: fc.boolean()
}).map(({ ms, offsetMin, fraction, micros, zulu, lower }) => {
  const off = zulu ? 0 : offsetMin
  const local = new Date(ms + off * 60000)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  const subsec = pad(local.getUTCMilliseconds(), 3) + pad(micros, 6)
  const frac = fraction === 0 ? '' : `.${subsec.slice(0, fraction)}`
  const zone = zulu ? (lower ? 'z' : 'Z') : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}${lower ? 't' : 'T'}` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${frac}${zone}`
  const keptMs = fraction === 0 ? 0 : Number(subsec.slice(0, Math.min(fraction, 3)).padEnd(3, '0'))
  const expected = ms - local.getUTCMilliseconds() + keptMs
  return { text, expected: expected as number | null }
})
const timestamp = fc.oneof({ arbitrary: rfc3339, weight: 4 }, { arbitrary: asciiToken.filter((s) => !/^\d{4}-/.test(s)).map((text) => ({ text, expected: null })), weight: 1 })

const frameInput = (token: fc.Arbitrary<string>, message: fc.Arbitrary<string>) => fc.record({
  pri: fc.option(fc.integer({ min: 0, max: 191 }), { nil: undefined }),
  ts: timestamp,
  hostname: fc.option(token, { nil: undefined }),
  appName: token,
  procId: token,
  msgId: fc.option(token, { nil: undefined }),
  message,
  trailingLf: fc.option(fc.boolean(), { nil: undefined })
})
/** Bodies are all-ASCII or mixed, since the parser has a fast path for all-ASCII bodies. */
const frameInputs = fc.oneof(
  fc.array(frameInput(asciiToken, asciiMessage), { maxLength: 12 }),
  fc.array(frameInput(unicodeToken, unicodeMessage), { maxLength: 12 })
)

type Generated = { ts: { text: string, expected: number | null } } & Omit<EncodeFrameInput, 'timestamp'>
const toInput = (g: Generated, sd = false): EncodeFrameInput => {
  const { ts, ...rest } = g
  return { ...rest, timestamp: ts.text, sd }
}
/** What parseFrames must give for an encoded input. */
const expectedFrame = (g: Generated, structuredData: string | null): LogFrame => {
  const pri = g.pri ?? 190
  // One trailing LF is the frame's; a message ending in LF written without one loses it.
  const message = g.trailingLf === false && g.message.endsWith('\n') ? g.message.slice(0, -1) : g.message
  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    version: 1,
    timestamp: g.ts.text,
    time: g.ts.expected === null ? null : new Date(g.ts.expected),
    hostname: g.hostname ?? 'host',
    appName: g.appName,
    procId: g.procId,
    msgId: g.msgId ?? '-',
    structuredData,
    message
  }
}

/** Runs fn; passes if it returns or throws a FramingError, fails on any other throw. */
const onlyFramingErrors = <T>(fn: () => T): T | FramingError => {
  try {
    return fn()
  } catch (err) {
    if (err instanceof FramingError) return err
    throw err
  }
}

t.test('encodeFrames then parseFrames gives every frame back exactly', async (t) => {
  fc.assert(fc.property(frameInputs, (gs) => {
    const body = encodeFrames(gs.map((g) => toInput(g)))
    if (walkFrames(body) !== gs.length) throw new Error('walkFrames miscounted')
    if (checkFrames(body, { expectedCount: gs.length }) !== gs.length) throw new Error('checkFrames miscounted')
    const frames = parseFrames(body, { expectedCount: gs.length })
    const want = gs.map((g) => expectedFrame(g, null))
    for (let i = 0; i < gs.length; i++) {
      const got = frames[i]!
      const exp = want[i]!
      if (got.time?.getTime() !== exp.time?.getTime() || JSON.stringify({ ...got, time: 0 }) !== JSON.stringify({ ...exp, time: 0 })) {
        throw new Error(`frame ${i}: got ${JSON.stringify(got)}, want ${JSON.stringify(exp)}`)
      }
    }
  }), { numRuns: RUNS })
  t.pass(`${RUNS} bodies round-tripped`)
})

t.test('scanFrames gives the byte ranges of exactly the fields that were encoded', async (t) => {
  fc.assert(fc.property(frameInputs, fc.boolean(), (gs, sd) => {
    const body = encodeFrames(gs.map((g) => toInput(g, sd)))
    const mode = sd ? 'present' : 'absent'
    // The generator's own values, not parseFrames' (which is built on scanFrames).
    const want = gs.map((g) => expectedFrame(g, sd ? '-' : null))
    const utf8 = (s: number, e: number) => body.toString('utf8', s, e)
    let seen = 0
    const n = scanFrames(body, (v) => {
      const f = want[v.index]!
      const got = { pri: v.pri, time: Number.isNaN(v.timeMs) ? null : v.timeMs, timestamp: utf8(v.tsStart, v.tsEnd), hostname: utf8(v.hostStart, v.hostEnd), appName: utf8(v.appStart, v.appEnd), procId: utf8(v.procStart, v.procEnd), msgId: utf8(v.msgIdStart, v.msgIdEnd), structuredData: v.sdStart < 0 ? null : utf8(v.sdStart, v.sdEnd), message: utf8(v.msgStart, v.msgEnd) }
      const exp = { pri: f.pri, time: f.time?.getTime() ?? null, timestamp: f.timestamp, hostname: f.hostname, appName: f.appName, procId: f.procId, msgId: f.msgId, structuredData: f.structuredData, message: f.message }
      if (v.index !== seen++ || JSON.stringify(got) !== JSON.stringify(exp)) throw new Error(`frame ${v.index}: got ${JSON.stringify(got)}, want ${JSON.stringify(exp)}`)
    }, { structuredData: mode })
    if (n !== gs.length || seen !== gs.length) throw new Error(`scanFrames counted ${n}, visited ${seen}, want ${gs.length}`)
  }), { numRuns: RUNS })
  t.pass(`${RUNS} bodies scanned`)
})

t.test("log_input frames (SD '-') round-trip with structuredData 'present' and 'auto'", async (t) => {
  fc.assert(fc.property(frameInputs, (gs) => {
    const body = encodeFrames(gs.map((g) => toInput(g, true)))
    for (const mode of ['present', 'auto'] as const) {
      const frames = parseFrames(body, { structuredData: mode })
      gs.forEach((g, i) => {
        const exp = expectedFrame(g, '-')
        const got = frames[i]!
        if (got.structuredData !== '-' || got.message !== exp.message || got.appName !== exp.appName) throw new Error(`${mode} frame ${i}: ${JSON.stringify(got)}`)
      })
    }
  }), { numRuns: RUNS })
  t.pass()
})

t.test("'auto' never loses bytes: SD it takes is a prefix of the message", async (t) => {
  fc.assert(fc.property(frameInputs, (gs) => {
    const frames = parseFrames(encodeFrames(gs.map((g) => toInput(g))), { structuredData: 'auto' })
    gs.forEach((g, i) => {
      const { message, structuredData } = frames[i]!
      const orig = expectedFrame(g, null).message
      if (structuredData === null ? message !== orig : !(orig.startsWith(structuredData) && orig.endsWith(message) && orig.length >= structuredData.length + message.length)) {
        throw new Error(`frame ${i}: ${JSON.stringify(orig)} → ${JSON.stringify({ structuredData, message })}`)
      }
    })
  }), { numRuns: RUNS })
  t.pass()
})

t.test('a truncated body is rejected unless the cut falls on a frame boundary', async (t) => {
  fc.assert(fc.property(fc.array(frameInput(unicodeToken, unicodeMessage), { minLength: 1, maxLength: 6 }), (gs) => {
    const parts = gs.map((g) => encodeFrames([toInput(g)]))
    const body = Buffer.concat(parts)
    const boundaries = new Map<number, number>()
    let off = 0
    boundaries.set(0, 0)
    parts.forEach((p, i) => { off += p.length; boundaries.set(off, i + 1) })
    for (let cut = 0; cut < body.length; cut++) {
      const prefix = body.subarray(0, cut)
      const result = onlyFramingErrors(() => parseFrames(prefix))
      const walked = onlyFramingErrors(() => walkFrames(prefix))
      const complete = boundaries.get(cut)
      if (complete === undefined) {
        if (!(result instanceof FramingError) || !(walked instanceof FramingError)) throw new Error(`cut at ${cut} of ${body.length} was accepted`)
      } else if (result instanceof FramingError || (result).length !== complete || walked !== complete) {
        throw new Error(`cut at the boundary ${cut} did not give ${complete} frames`)
      }
    }
  }), { numRuns: Math.ceil(RUNS / 3) })
  t.pass()
})

t.test('a corrupted length digit is rejected or still consistent, never a crash', async (t) => {
  fc.assert(fc.property(
    fc.array(frameInput(unicodeToken, unicodeMessage), { minLength: 1, maxLength: 6 }),
    fc.nat(), fc.integer({ min: 0, max: 255 }),
    (gs, pick, byte) => {
      const parts = gs.map((g) => encodeFrames([toInput(g)]))
      const body = Buffer.concat(parts)
      // Offsets of every length digit in the body.
      const digits: number[] = []
      let off = 0
      for (const p of parts) {
        for (let i = 0; p[i] !== 0x20; i++) digits.push(off + i)
        off += p.length
      }
      const at = digits[pick % digits.length]!
      const corrupted = Buffer.from(body)
      corrupted[at] = byte
      const parsed = onlyFramingErrors(() => parseFrames(corrupted))
      const walked = onlyFramingErrors(() => walkFrames(corrupted))
      if (parsed instanceof FramingError) return
      if (walked instanceof FramingError || walked !== parsed.length) throw new Error('parseFrames accepted a body walkFrames rejects')
      if (byte === body[at] && parsed.length !== gs.length) throw new Error('an unchanged body changed meaning')
      if (byte !== body[at] && parsed.length === gs.length && parsed.every((f, i) => f.message === expectedFrame(gs[i]!, null).message)) {
        throw new Error('a changed length parsed to the same messages')
      }
    }), { numRuns: RUNS * 2 })
  t.pass()
})

t.test('random garbage never throws anything but FramingError', async (t) => {
  // Plain random bytes, and bytes built from frame-like fragments to get past the framing.
  const fragment = fc.oneof(
    fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
    fc.constantFrom('1', '9', '12 ', '0 ', '<', '>', '<190>1 ', '2024-05-01T12:00:00Z ', 'host ', '- ', '[a@1 b="c"] ', '\n', ' ', '\u00ff', '😀').map((s) => Buffer.from(s, s === '\u00ff' ? 'latin1' : 'utf8'))
  )
  const framedGarbage = fc.array(fragment, { maxLength: 12 }).map((frags) => {
    const payload = Buffer.concat(frags)
    return Buffer.concat([Buffer.from(`${payload.length} `), payload])
  })
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.array(fragment, { maxLength: 20 }).map((fs) => Buffer.concat(fs)),
    fc.array(framedGarbage, { maxLength: 5 }).map((fs) => Buffer.concat(fs))
  )
  fc.assert(fc.property(bodies, fc.constantFrom('absent', 'present', 'auto') as fc.Arbitrary<'absent' | 'present' | 'auto'>, (body, structuredData) => {
    const parsed = onlyFramingErrors(() => parseFrames(body, { structuredData }))
    const walked = onlyFramingErrors(() => walkFrames(body))
    // checkFrames must agree with parseFrames exactly: the same count, or the same error.
    const checked = onlyFramingErrors(() => checkFrames(body, { structuredData }))
    if (parsed instanceof FramingError) {
      if (!(checked instanceof FramingError) || checked.code !== parsed.code || checked.offset !== parsed.offset || checked.message !== parsed.message) throw new Error(`checkFrames disagrees: ${String(checked)} vs ${parsed.message}`)
    } else if (checked !== parsed.length) throw new Error('checkFrames and parseFrames count differently')
    if (!(parsed instanceof FramingError)) {
      if (walked !== parsed.length) throw new Error('walk and parse disagree')
      for (const f of parsed) if (!isWellFormed(f.message)) throw new Error('message with lone surrogates')
    }
  }), { numRuns: RUNS * 3 })
  t.pass()
})

t.test('invalid UTF-8 in MSG decodes like the WHATWG decoder (U+FFFD), never crashes', async (t) => {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (raw, ascii) => {
    // ASCII-only bytes take the parser's all-ASCII path, the others the UTF-8 one.
    const bytes = ascii ? raw.map((b) => b & 0x7f) : raw
    const head = Buffer.from('<190>1 2024-05-01T12:00:00Z host app web.1 - ')
    const payload = Buffer.concat([head, bytes, Buffer.from('\n')])
    // A valid second frame: decoding one frame must not leak into the next.
    const second = Buffer.from('<0>1 - h a p - ok')
    const body = Buffer.concat([Buffer.from(`${payload.length} `), payload, Buffer.from(`${second.length} `), second])
    const frames = parseFrames(body)
    const want = decoder.decode(bytes)
    if (frames[0]!.message !== want) throw new Error(`${Buffer.from(bytes).toString('hex')}: ${JSON.stringify(frames[0]!.message)} ≠ ${JSON.stringify(want)}`)
    if (frames[1]!.message !== 'ok') throw new Error('second frame')
    if (!isWellFormed(frames[0]!.message)) throw new Error('lone surrogate')
  }), { numRuns: RUNS * 2 })
  t.pass()
})
