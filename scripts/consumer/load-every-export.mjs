// Imports every entry point every Joinery package exports, as an ESM consumer would.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const consumer = JSON.parse(readFileSync('package.json', 'utf8'))
let loaded = 0
for (const name of Object.keys(consumer.dependencies).filter((n) => n.startsWith('@joinery/'))) {
  const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'))
  for (const subpath of Object.keys(manifest.exports).filter((s) => s !== './package.json')) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`
    const module = await import(specifier)
    if (Object.keys(module).length === 0) throw new Error(`${specifier} loaded with no exports (ESM)`)
    loaded++
  }
}
console.log(`ESM: loaded ${loaded} entry points`)
