import { describe, expect, it } from 'vitest'
import { runQuickstart } from './quickstart.js'

describe(runQuickstart, () => {
  it('tells the whole story, ending with the kicked user refused', async () => {
    const lines = await runQuickstart()
    expect(lines).toContain('bob uses the link: joined')
    expect(lines).toContain('cy uses the link with a message: pending')
    expect(lines).toContain('ada approves cy: the group has 3 of 3 members')
    expect(lines.find((l) => l.startsWith('explain for dan'))).toMatch(/MemberLimitReached/)
    expect(lines).toContain('bob tries the link again: refused with UserKicked')
  })
})
