// Secrets: encryption at rest with a key ring, random credentials, constant-time checks.
export * from './key-ring.js'
export * from './tokens.js'
