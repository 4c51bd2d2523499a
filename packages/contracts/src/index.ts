// NATS contracts: subjects, JetStream names and message schemas shared by the services.
export * from './subjects.js'
export * from './messages.js'
export * from './log-messages.js'
export * from './autoscale-messages.js'
