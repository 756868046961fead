// Prints an adapter's error-mapping table as Markdown rows, for its README (and for the test that checks the README).
import { XRPC_ERRORS } from '../packages/atproto-adapter/src/xrpc-errors.js'

for (const [code, e] of Object.entries(XRPC_ERRORS)) {
  const names = e.names.length ? e.names.map((n) => `\`${n}\``).join(', ') : '—'
  console.log(`| \`${code}\` | ${names} | \`${e.fallback}\` | ${e.message} |`)
}
