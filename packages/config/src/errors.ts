// Errors of the config package. Each message is one line that names the variable or the
// add-on definition field at fault, so a service can print it and exit.

export class ConfigError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An environment variable is missing or malformed. */
export class EnvVarError extends ConfigError {
  readonly variable: string
  constructor (variable: string, problem: string) {
    super('CFG_ENV_INVALID', `${variable}: ${problem}`)
    this.variable = variable
  }
}

/** The add-on definition (addon.json) breaks a rule; `path` is a JSON pointer. */
export class AddonDefinitionError extends ConfigError {
  readonly path: string
  constructor (path: string, problem: string) {
    super('CFG_ADDON_INVALID', `addon definition ${path || '/'}: ${problem}`)
    this.path = path
  }
}
