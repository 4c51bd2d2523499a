// Heroku region names (manifest `api.regions`) and the `provider::region` strings that a
// provision request carries for them (protocol §12). Kensa's list plus its PR and the schema.

export const REGION_LOCATIONS: Readonly<Record<string, readonly string[]>> = {
  us: ['amazon-web-services::us-east-1'],
  eu: ['amazon-web-services::eu-west-1'],
  virginia: ['amazon-web-services::us-east-1'],
  oregon: ['amazon-web-services::us-west-2'],
  frankfurt: ['amazon-web-services::eu-central-1'],
  dublin: ['amazon-web-services::eu-west-1'],
  tokyo: ['amazon-web-services::ap-northeast-1'],
  sydney: ['amazon-web-services::ap-southeast-2'],
  montreal: ['amazon-web-services::ca-central-1'],
  mumbai: ['amazon-web-services::ap-south-1']
}

/** The region name a request's `provider::region` maps to, among the supported names. */
export function regionNameFor (location: string, supported: readonly string[]): string | undefined {
  if (supported.includes('*')) return location
  return supported.find((name) => REGION_LOCATIONS[name]?.includes(location) || name === location)
}
