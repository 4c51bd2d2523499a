import t from 'tap'
import { FailureLimiter, MIN_PER_REPLICA } from '../src/sso/failure-limiter.js'

t.test('each of N replicas allows its share of the failures, so an address gets about max in all', async (t) => {
  let replicas = 1
  const limiter = new FailureLimiter({ max: 6, windowMs: 60_000, minPerReplica: 1 }, () => replicas)
  const now = 1_000_000
  for (let i = 0; i < 5; i++) limiter.record('10.0.0.1', now + i)
  t.equal(limiter.retryAfterMs('10.0.0.1', now + 10), 0, 'alone: 5 failures of 6 allowed')
  replicas = 2
  t.ok(limiter.retryAfterMs('10.0.0.1', now + 10) > 0, 'with two replicas this one allows 3')
  t.equal(limiter.retryAfterMs('10.0.0.2', now + 10), 0, 'another address is not limited')
  replicas = 3
  const l3 = new FailureLimiter({ max: 6, windowMs: 60_000, minPerReplica: 1 }, () => replicas)
  l3.record('a', now); t.equal(l3.retryAfterMs('a', now), 0)
  l3.record('a', now); t.ok(l3.retryAfterMs('a', now) > 0, 'three replicas: 2 each')
  replicas = 100
  const many = new FailureLimiter({ max: 6, windowMs: 60_000, minPerReplica: 1 }, () => replicas)
  t.equal(many.retryAfterMs('b', now), 0, 'more replicas than max: still one try each')
  many.record('b', now)
  t.equal(many.retryAfterMs('b', now + 59_999), 1, 'until the failure leaves the window')
})

t.test('no replica allows fewer than minPerReplica (default 30), nor more than max', async (t) => {
  t.equal(MIN_PER_REPLICA, 30)
  const now = 1_000_000
  const allowed = (limiter: FailureLimiter, key: string) => {
    let n = 0
    while (limiter.retryAfterMs(key, now) === 0 && n < 10_000) { limiter.record(key, now); n++ }
    return n
  }
  let replicas = 1
  const limit = { max: 300, windowMs: 60_000 }
  t.equal(allowed(new FailureLimiter(limit, () => replicas), 'a'), 300, 'one replica: all 300')
  replicas = 5
  t.equal(allowed(new FailureLimiter(limit, () => replicas), 'a'), 60, 'five replicas: 60 each')
  replicas = 40
  t.equal(allowed(new FailureLimiter(limit, () => replicas), 'a'), 30, 'forty replicas: 8 would be the share; the floor is 30')
  t.equal(allowed(new FailureLimiter({ ...limit, minPerReplica: 50 }, () => replicas), 'a'), 50, 'the floor is configurable')
  t.equal(allowed(new FailureLimiter({ max: 3, windowMs: 60_000 }, () => replicas), 'a'), 3, 'a max below the floor is the floor')
  replicas = 0
  t.equal(allowed(new FailureLimiter(limit, () => replicas), 'a'), 300, 'no replica heard from yet counts as one')
})
