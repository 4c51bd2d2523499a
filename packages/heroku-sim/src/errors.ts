// Errors the simulator and the driver throw at their callers (tests), with a SIM_ code.

export class SimError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SimError'
    this.code = code
  }
}
