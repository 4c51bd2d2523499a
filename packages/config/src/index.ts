// Shared configuration: the add-on definition, environment parsing and the manifest.
export * from './errors.js'
export * from './regions.js'
export * from './addon-definition.js'
export * from './key-ring-spec.js'
export * from './env.js'
export * from './manifest.js'
