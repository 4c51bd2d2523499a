import t from 'tap'
import { encode, decode, InstanceEvent, MessageDecodeError, subjects, encodeIngestBundle, decodeIngestBundle, BadIngestBundle } from '../src/index.js'

t.test('a message survives encode and decode', async (t) => {
  const ev = { instanceUuid: 'u', kind: 'provision', outcome: 'succeeded' as const, at: new Date(0).toISOString() }
  t.same(decode(InstanceEvent, encode(InstanceEvent, ev)), ev)
})

t.test('malformed messages are refused with a reason', async (t) => {
  t.throws(() => decode(InstanceEvent, new TextEncoder().encode('{')), MessageDecodeError)
  t.throws(() => decode(InstanceEvent, new TextEncoder().encode(JSON.stringify({ instanceUuid: 1, kind: 'k', outcome: 'failed', at: 'x' }))), /instanceUuid/)
  t.throws(() => encode(InstanceEvent, { bad: true } as never), MessageDecodeError)
})

t.test('per-instance subjects are distinct tokens', async (t) => {
  t.equal(subjects.instanceEvents('abc'), 'addonkit.instances.abc.events')
  t.not(subjects.logTail('a'), subjects.logTail('b'))
})

t.test('an ingest bundle gives back its entries, byte for byte, and refuses a damaged payload', async (t) => {
  const entries = [
    { tenant: '3f0c2a5e-0000-4000-8000-000000000001', batchId: 'F1#1/2', count: 3, receivedAt: 1764800000123, origin: 'drain', encoding: 'br', data: Buffer.from([0, 1, 2, 255, 10]) },
    { tenant: '3f0c2a5e-0000-4000-8000-000000000002', batchId: 'idem-ü', count: 1, receivedAt: 1, origin: 'api', encoding: null, data: Buffer.from('12 <190>1 ü\n') },
    { tenant: 't', batchId: 'empty', count: 0, receivedAt: 2, origin: 'drain', encoding: null, data: Buffer.alloc(0) }
  ]
  const payload = encodeIngestBundle(entries)
  const back = decodeIngestBundle(payload)
  t.same(back.map((e) => ({ ...e, data: Buffer.from(e.data) })), entries)
  const at = back[0]!.data.byteOffset - payload.byteOffset
  payload[at] = 0x21
  t.equal(back[0]!.data[0], 0x21, 'the data are views into the payload, not copies')
  payload[at] = 0
  // Cut anywhere: between two entries the first ones come back, anywhere else it is refused.
  const ends = entries.map((_e, i) => encodeIngestBundle(entries.slice(0, i + 1)).length)
  const wrongCuts: number[] = []
  for (let cut = 1; cut < payload.length; cut++) {
    const k = ends.indexOf(cut)
    try {
      const got = decodeIngestBundle(payload.subarray(0, cut))
      if (k < 0 || got.length !== k + 1) wrongCuts.push(cut)
    } catch (err) {
      if (k >= 0 || !(err instanceof BadIngestBundle)) wrongCuts.push(cut)
    }
  }
  t.same(wrongCuts, [], `every cut of the ${payload.length}-byte payload is refused unless it falls between entries`)
  const bad = Buffer.from(payload)
  bad[4] = 0x7b // '{': the first entry's fields no longer parse
  t.throws(() => decodeIngestBundle(bad), /not JSON/)
  const wrong = encodeIngestBundle([{ ...entries[0]! }])
  const fields = Buffer.from(JSON.stringify(['x', 'y', 'three', 1, 'drain', null]))
  const forged = Buffer.concat([Buffer.from([0, 0, 0, fields.length]), fields, wrong.subarray(4 + wrong.readUInt32BE(0))])
  t.throws(() => decodeIngestBundle(forged), /are not \[tenant/)
  t.same(decodeIngestBundle(Buffer.alloc(0)), [], 'an empty payload holds no entries')
})
