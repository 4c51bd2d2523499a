// SCRAM-SHA-256 verifiers computed here, so a tenant password never reaches the resource
// cluster in clear text (where log_statement or pg_stat_statements could record it).
// Format: RFC 5803 / PostgreSQL's `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`.
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)
const ITERATIONS = 4096 // PostgreSQL's default scram_iterations

export async function scramVerifier (password: string): Promise<string> {
  const salt = randomBytes(16)
  const salted = await pbkdf2Async(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
