// Dyno autoscaling from Heroku router lines, as pure functions: 10-second windows of router
// metrics (router-window.ts), the policy and its validation (policy.ts), schedules, and the
// decision (decide.ts). The log-drain aggregates, the allocator decides and acts.
export * from './histogram.js'
export * from './router-window.js'
export * from './policy.js'
export * from './schedule.js'
export * from './metric-value.js'
export * from './decide.js'
export * from './wire.js'
export * from './rate-budget.js'
