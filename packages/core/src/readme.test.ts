import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as core from './index.js'

// The README lists every command's rules; this keeps the list and the code from drifting apart.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const ruleLists = (Object.entries(core) as [string, unknown][]).filter(
  (entry): entry is [string, readonly string[]] => /_RULES$/.test(entry[0]) && Array.isArray(entry[1]),
)

describe('the core README', () => {
  it('lists every exported rule list', () => {
    expect(ruleLists.length).toBeGreaterThanOrEqual(20)
    for (const [name] of ruleLists.filter(([n]) => n !== 'JOIN_RULES' && n !== 'ACCESS_RULES')) {
      expect(readme, name).toContain(`\`${name}\``)
    }
  })

  it('states every rule of every command as the code does', () => {
    const text = readme.replace(/\s+/g, ' ')
    for (const [name, rules] of ruleLists.filter(([n]) => n !== 'JOIN_RULES' && n !== 'ACCESS_RULES')) {
      for (const rule of rules) expect(text.includes(rule), `${name}: ${rule}`).toBe(true)
    }
  })
})
