// Writes add-on events into the customer's app log stream through the instance's
// log_input_url (requires: log_input; protocol §11.2). The writer, its User-Agent and the
// sealing of the URL are @addonkit/platform-api's postAddonLogEvent, shared with the
// allocator; this module keeps the log-drain's own name for them.
export { postAddonLogEvent, addonUserAgent, type AddonLogEventDeps } from '@addonkit/platform-api'
