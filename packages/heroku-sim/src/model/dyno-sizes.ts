// The dyno sizes the sim's formation accepts and how many of each one process type may run
// (protocol §21.1). Limits follow Heroku's default scaling limits in Dev Center "Scaling Your
// Dyno Formation": eco and basic run at most 1 per process type, standard sizes 100,
// performance sizes 10. An app cannot mix the eco, basic and professional (standard and
// performance) tiers. Size names match case-insensitively, as the CLI's `standard-1x` does.

export type DynoTier = 'eco' | 'basic' | 'professional'

interface DynoSize { name: string, tier: DynoTier, limit: number }

const SIZES: DynoSize[] = [
  { name: 'eco', tier: 'eco', limit: 1 },
  { name: 'basic', tier: 'basic', limit: 1 },
  { name: 'standard-1X', tier: 'professional', limit: 100 },
  { name: 'standard-2X', tier: 'professional', limit: 100 },
  { name: 'performance-M', tier: 'professional', limit: 10 },
  { name: 'performance-L', tier: 'professional', limit: 10 },
  { name: 'performance-L-RAM', tier: 'professional', limit: 10 },
  { name: 'performance-XL', tier: 'professional', limit: 10 },
  { name: 'performance-2XL', tier: 'professional', limit: 10 }
]

export const DEFAULT_DYNO_SIZE = 'standard-1X'

/** The size's canonical name and rules, or undefined for a size Heroku does not offer. */
export function dynoSize (name: string): DynoSize | undefined {
  const lower = name.toLowerCase()
  return SIZES.find((s) => s.name.toLowerCase() === lower)
}

export function dynoSizeNames (): string[] {
  return SIZES.map((s) => s.name)
}
