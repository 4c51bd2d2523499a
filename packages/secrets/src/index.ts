// Secrets: encryption at rest with a key ring and its sealing contexts, random credentials,
// constant-time checks.
export * from './key-ring.js'
export * from './contexts.js'
export * from './tokens.js'
