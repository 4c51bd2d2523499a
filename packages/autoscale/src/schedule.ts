// Schedules: time windows in the customer's time zone whose min and max replace the
// policy's while they are on (a known morning peak, a quiet weekend). The last window
// that is on wins; a window whose end is before its start runs past midnight.
import { DAYS, type Day, type Policy, type Schedule } from './policy.js'

export interface Bounds {
  min: number
  max: number
  /** The schedule in force, if any. */
  schedule?: Schedule
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Weekday and minutes since midnight of `at` in `timeZone`. */
export function localTime (at: number, timeZone: string): { day: Day, minutes: number } {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  let day: Day = 'mon'
  let h = 0
  let m = 0
  for (const p of f.formatToParts(at)) {
    if (p.type === 'weekday') day = p.value.slice(0, 3).toLowerCase() as Day
    else if (p.type === 'hour') h = Number(p.value)
    else if (p.type === 'minute') m = Number(p.value)
  }
  return { day, minutes: h * 60 + m }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
const previous = (d: Day): Day => DAYS[(DAYS.indexOf(d) + 6) % 7]!

export function scheduleIsOn (s: Schedule, day: Day, minutes: number): boolean {
  const from = minutesOf(s.from)
  const to = minutesOf(s.to)
  const on = (d: Day) => s.days === undefined || s.days.includes(d)
  if (from === to) return on(day)
  if (from < to) return on(day) && minutes >= from && minutes < to
  return (on(day) && minutes >= from) || (on(previous(day)) && minutes < to)
}

export function effectiveBounds (policy: Pick<Policy, 'min' | 'max' | 'schedules' | 'timezone'>, now: number): Bounds {
  if (policy.schedules.length === 0) return { min: policy.min, max: policy.max }
  const { day, minutes } = localTime(now, policy.timezone)
  let active: Schedule | undefined
  for (const s of policy.schedules) if (scheduleIsOn(s, day, minutes)) active = s
  if (!active) return { min: policy.min, max: policy.max }
  const min = active.min ?? policy.min
  const max = Math.max(active.max ?? policy.max, min)
  return { min: Math.min(min, max), max, schedule: active }
}
