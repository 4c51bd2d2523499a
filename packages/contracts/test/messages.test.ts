import t from 'tap'
import { encode, decode, InstanceEvent, MessageDecodeError, subjects } from '../src/index.js'

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
