// Logplex HTTPS drain bodies (protocol §11): octet-counted syslog frames parsed and written
// byte-exactly, plus readers for the Heroku router and L10 lines inside them.
export * from './errors.js'
export { MAX_FRAME_BYTES, walkFrames } from './octet-counting.js'
export * from './parse-frames.js'
export * from './encode-frames.js'
export * from './router-line.js'
export * from './l10.js'
