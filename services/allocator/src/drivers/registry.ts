// The drivers this allocator can run, by the name plans use in the add-on definition.
import type { DriverName } from '@addonkit/config'
import type { Driver } from './driver.js'
import { logsDriver } from './logs-driver.js'

export type DriverRegistry = ReadonlyMap<string, Driver>

export function defaultDrivers (extra: Driver[] = []): DriverRegistry {
  const all: Driver[] = [logsDriver, ...extra]
  return new Map(all.map((d) => [d.name, d]))
}

export function driverFor (registry: DriverRegistry, name: DriverName | string): Driver {
  const d = registry.get(name)
  if (!d) throw new Error(`no driver named "${name}" is installed in this allocator`)
  return d
}
