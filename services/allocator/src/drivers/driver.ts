// The resource-driver interface: what the allocator asks of any resource type. The
// guarantees each method must keep are in DRIVERS.md beside this package (idempotent, resumable).
import type { Db } from '@addonkit/db'
import type { AddonDefinition, PlanDefinition } from '@addonkit/config'
import type { KeyRing } from '@addonkit/secrets'
import type { ResourceOutput } from '@addonkit/lifecycle'

export interface DriverInstance {
  uuid: string
  plan: string
  region: string
  options: Record<string, unknown>
  logDrainToken: string | null
}

export interface DriverContext {
  instance: DriverInstance
  /** The plan the instance is on (for changePlan: the plan it is moving from). */
  plan: PlanDefinition
  addon: AddonDefinition
  db: Db
  keyRing: KeyRing
  /** Public base URL of the log-drain service (drain URLs and the data API). */
  drainPublicUrl: string
  /** How long superseded credentials stay valid after a rotation. */
  credentialGraceSeconds: number
}

export interface UsageMetric {
  name: string
  label: string
  used: number
  limit: number | null
  unit: string
}

export interface PlanCheck { allowed: boolean, reason?: string }

export interface Driver {
  readonly name: string
  /** Creates the resource (or finishes creating it) and returns fresh credentials. */
  allocate (ctx: DriverContext): Promise<ResourceOutput>
  /** Whether moving to `to` is allowed now (e.g. not below current usage). */
  checkPlanChange (ctx: DriverContext, to: PlanDefinition): Promise<PlanCheck>
  /** Applies the new plan's limits; returns config only when it changed. */
  changePlan (ctx: DriverContext, to: PlanDefinition): Promise<{ config?: Record<string, string> }>
  /** Issues new credentials; the old ones keep working for the grace period. */
  rotateCredentials (ctx: DriverContext): Promise<ResourceOutput>
  /** Revokes access at once (credentials, ingestion); data stays until purge. */
  deallocate (ctx: DriverContext): Promise<void>
  /** Deletes the data after the grace period. */
  purge (ctx: DriverContext): Promise<void>
  usage (ctx: DriverContext): Promise<UsageMetric[]>
}

/** A refusal that must not be retried (the operation fails with this message). */
export class PermanentDriverError extends Error {
  readonly code = 'ALLOC_DRIVER_PERMANENT'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PermanentDriverError'
  }
}
