// Names and SQL quoting for the `postgres` driver. Every role and database name is derived
// from the instance uuid (never from customer input), and still goes through quoteIdent:
// utility statements (CREATE ROLE, ALTER DATABASE …) take no bind parameters.

/** Common prefix of everything the driver creates on the resource cluster. */
export const TENANT_PREFIX = 'ak_'

export interface TenantNames {
  /** The database, owned by `owner`. */
  database: string
  /** NOLOGIN role that owns the database, its schema and every object in it. */
  owner: string
  /** Login roles are `<loginPrefix><generation>`: 1 at allocation, +1 per rotation. */
  loginPrefix: string
  login (generation: number): string
}

export function tenantNames (uuid: string): TenantNames {
  const hex = uuid.replace(/-/g, '').toLowerCase()
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not an instance uuid: ${JSON.stringify(uuid)}`)
  const base = `${TENANT_PREFIX}${hex}`
  return { database: base, owner: `${base}_owner`, loginPrefix: `${base}_l`, login: (g) => `${base}_l${g}` }
}

/** The generation of a login role name, or null when the name is not one of ours. */
export function loginGeneration (names: TenantNames, role: string): number | null {
  if (!role.startsWith(names.loginPrefix)) return null
  const rest = role.slice(names.loginPrefix.length)
  return /^[1-9][0-9]*$/.test(rest) ? Number(rest) : null
}

/** The instance uuid a tenant database or role name was derived from. */
export function uuidOfName (name: string): string | null {
  const m = /^ak_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})(?:_|$)/.exec(name)
  return m ? m.slice(1).join('-') : null
}

export function quoteIdent (name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains NUL')
  return '"' + name.replace(/"/g, '""') + '"'
}

/** A string literal for utility statements; standard_conforming_strings (on since 9.1) assumed. */
export function quoteLiteral (value: string): string {
  if (/[\0\\]/.test(value)) throw new Error('literal contains NUL or a backslash')
  return "'" + value.replace(/'/g, "''") + "'"
}

/** LIKE pattern matching the names that start with `prefix` (underscores are literal). */
export function likePrefix (prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%'
}
