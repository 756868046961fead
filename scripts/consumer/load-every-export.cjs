// Requires every entry point every Joinery package exports, as a CommonJS consumer would. ESM-only entries
// (@joinery/core/testing, ESM because vitest is) load through Node's require(esm).
const { readFileSync } = require('node:fs')

const consumer = JSON.parse(readFileSync('package.json', 'utf8'))
let loaded = 0
for (const name of Object.keys(consumer.dependencies).filter((n) => n.startsWith('@joinery/'))) {
  const manifest = require(`${name}/package.json`)
  for (const subpath of Object.keys(manifest.exports).filter((s) => s !== './package.json')) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`
    const module = require(specifier)
    if (Object.keys(module).length === 0) throw new Error(`${specifier} loaded with no exports (CommonJS)`)
    loaded++
  }
}
console.log(`CommonJS: loaded ${loaded} entry points`)
