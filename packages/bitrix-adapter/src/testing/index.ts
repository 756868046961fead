export { type StandInPortal, type StandInPortalOptions, startStandInPortal } from './stand-in-portal.js'
export { trustInGlobalAgent } from './trusted-certificates.js'
