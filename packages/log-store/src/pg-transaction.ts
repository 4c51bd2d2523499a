// The log store's transactions are packages/db's (one implementation for every package).
export { inTransaction } from '@addonkit/db'
