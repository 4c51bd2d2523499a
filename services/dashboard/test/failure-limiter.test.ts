import t from 'tap'
import { FailureLimiter } from '../src/sso/failure-limiter.js'

t.test('each of N replicas allows its share of the failures, so an address gets about max in all', async (t) => {
  let replicas = 1
  const limiter = new FailureLimiter({ max: 6, windowMs: 60_000 }, () => replicas)
  const now = 1_000_000
  for (let i = 0; i < 5; i++) limiter.record('10.0.0.1', now + i)
  t.equal(limiter.retryAfterMs('10.0.0.1', now + 10), 0, 'alone: 5 failures of 6 allowed')
  replicas = 2
  t.ok(limiter.retryAfterMs('10.0.0.1', now + 10) > 0, 'with two replicas this one allows 3')
  t.equal(limiter.retryAfterMs('10.0.0.2', now + 10), 0, 'another address is not limited')
  replicas = 3
  const l3 = new FailureLimiter({ max: 6, windowMs: 60_000 }, () => replicas)
  l3.record('a', now); t.equal(l3.retryAfterMs('a', now), 0)
  l3.record('a', now); t.ok(l3.retryAfterMs('a', now) > 0, 'three replicas: 2 each')
  replicas = 100
  const many = new FailureLimiter({ max: 6, windowMs: 60_000 }, () => replicas)
  t.equal(many.retryAfterMs('b', now), 0, 'more replicas than max: still one try each')
  many.record('b', now)
  t.equal(many.retryAfterMs('b', now + 59_999), 1, 'until the failure leaves the window')
})
