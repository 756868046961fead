// Prints an adapter's error-mapping table as Markdown rows for its README (a test in each adapter checks the README).
// Usage: npx tsx --conditions=dev-source scripts/error-table.ts atproto|bitrix
import { XRPC_ERRORS } from '../packages/atproto-adapter/src/xrpc-errors.js'
import { BITRIX_ERRORS } from '../packages/bitrix-adapter/src/bitrix-errors.js'

if (process.argv[2] === 'bitrix') {
  for (const [code, e] of Object.entries(BITRIX_ERRORS))
    console.log(`| \`${code}\` | \`${e.code}\` | ${e.status} | ${e.description} |`)
} else {
  for (const [code, e] of Object.entries(XRPC_ERRORS)) {
    const names = e.names.length ? e.names.map((n) => `\`${n}\``).join(', ') : '—'
    console.log(`| \`${code}\` | ${names} | \`${e.fallback}\` | ${e.message} |`)
  }
}
