import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

describe('createJoinLink', () => {
  it('makes an unguessable URL-safe code of at least 96 bits, enabled', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    const link = (
      await joinery.createJoinLink({ actor: 'owner', groupId: group.id, name: 'Flyer', maxUses: 10 })
    )._unsafeUnwrap()
    expect(link.code).toMatch(/^[A-Za-z0-9_-]{16,}$/)
    expect(link.code.length * 6).toBeGreaterThanOrEqual(96)
    expect(link).toMatchObject({
      enabled: true,
      joinRule: 'anyone',
      requireApproval: false,
      name: 'Flyer',
      maxUses: 10,
      counters: { uses: 0 },
    })
    expect(published.at(-1)).toMatchObject({ type: 'JoinLinkCreated', code: link.code })
  })

  it('allows one enabled link per group unless the group allows several', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const single = await groupOf()
    await linkTo(single.id)
    expect((await joinery.createJoinLink({ actor: 'owner', groupId: single.id }))._unsafeUnwrapErr().code).toBe(
      'EnabledLinkExists',
    )
    await joinery.disableJoinLink({ actor: 'owner', groupId: single.id })
    expect((await joinery.createJoinLink({ actor: 'owner', groupId: single.id })).isOk()).toBe(true)
    const multi = await groupOf({ allowMultipleLinks: true })
    await linkTo(multi.id)
    expect((await joinery.createJoinLink({ actor: 'owner', groupId: multi.id })).isOk()).toBe(true)
  })

  it('refuses non-owners and missing groups', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect((await joinery.createJoinLink({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
    expect((await joinery.createJoinLink({ actor: 'owner', groupId: 'nope' }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
  })
})

describe('editJoinLink, enableJoinLink, disableJoinLink', () => {
  it('edits the group link and reports the changed fields', async () => {
    const { joinery, groupOf, linkTo, published } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id)
    const edited = (
      await joinery.editJoinLink({
        actor: 'owner',
        groupId: group.id,
        requireApproval: true,
        joinRule: 'followed-by-owner',
      })
    )._unsafeUnwrap()
    expect(edited).toMatchObject({ code, requireApproval: true, joinRule: 'followed-by-owner' })
    expect(published.at(-1)).toMatchObject({ type: 'JoinLinkChanged', fields: ['joinRule', 'requireApproval'] })
  })

  it('answers NoJoinLink for a group without links or a code of another group', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const a = await groupOf()
    const b = await groupOf()
    const codeOfB = await linkTo(b.id)
    expect((await joinery.disableJoinLink({ actor: 'owner', groupId: a.id }))._unsafeUnwrapErr().code).toBe(
      'NoJoinLink',
    )
    expect(
      (await joinery.enableJoinLink({ actor: 'owner', groupId: a.id, code: codeOfB }))._unsafeUnwrapErr().code,
    ).toBe('NoJoinLink')
  })

  it('disables idempotently, refuses enabling an enabled link, and keeps one enabled link', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf()
    const first = await linkTo(group.id)
    expect((await joinery.enableJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'LinkAlreadyEnabled',
    )
    expect((await joinery.disableJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().enabled).toBe(false)
    expect(
      (await joinery.disableJoinLink({ actor: 'owner', groupId: group.id, code: first }))._unsafeUnwrap().enabled,
    ).toBe(false)
    expect((await joinery.requestJoinByCode({ actor: 'alice', code: first }))._unsafeUnwrapErr().code).toBe(
      'LinkDisabled',
    )
    await linkTo(group.id)
    const refused = await joinery.enableJoinLink({ actor: 'owner', groupId: group.id, code: first })
    expect(refused._unsafeUnwrapErr().code).toBe('EnabledLinkExists')
  })
})

describe('previewJoinLinks', () => {
  it('previews each code in order: valid, disabled (with why) or invalid, for anonymous viewers too', async () => {
    const { joinery, groupOf, linkTo, clock } = createTestKit()
    const group = await groupOf({ allowMultipleLinks: true, memberLimit: 50 })
    const valid = await linkTo(group.id)
    const disabled = await linkTo(group.id)
    await joinery.disableJoinLink({ actor: 'owner', groupId: group.id, code: disabled })
    const expiring = await linkTo(group.id, { expiresAt: new Date(clock.now().getTime() + 1000) })
    clock.advance(1000)
    const previews = (await joinery.previewJoinLinks({ codes: [valid, 'bogus', disabled, expiring] }))._unsafeUnwrap()
    expect(previews.map((p) => p.kind)).toEqual(['valid', 'invalid', 'disabled', 'disabled'])
    expect(previews[2]).toMatchObject({ reason: 'LinkDisabled' })
    expect(previews[3]).toMatchObject({ reason: 'LinkExpired' })
    expect(previews[0]).toMatchObject({
      group: { id: group.id, memberLimit: 50 },
      viewerMembership: null,
      viewerRequest: null,
    })
  })

  it('shows the viewer their membership and pending request', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ allowMultipleLinks: true })
    const open = await linkTo(group.id)
    const approval = await linkTo(group.id, { requireApproval: true })
    await joinery.requestJoinByCode({ actor: 'bob', code: approval })
    const [asOwner, asBob] = [
      (await joinery.previewJoinLinks({ viewer: 'owner', codes: [open] }))._unsafeUnwrap()[0],
      (await joinery.previewJoinLinks({ viewer: 'bob', codes: [approval] }))._unsafeUnwrap()[0],
    ]
    expect(asOwner).toMatchObject({ viewerMembership: { role: 'owner' } })
    expect(asBob).toMatchObject({ viewerMembership: null, viewerRequest: { requesterId: 'bob', status: 'pending' } })
  })

  it('says whether joining needs approval, as the join itself then decides', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    for (const admission of ['open', 'approval', 'invite-only'] as const) {
      for (const requireApproval of [false, true]) {
        const group = await groupOf({ admission })
        const code = await linkTo(group.id, { requireApproval })
        const [preview] = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()
        const joined = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrap()
        const label = `${admission}, requireApproval ${requireApproval}`
        expect(preview, label).toMatchObject({ kind: 'valid', requiresApproval: joined.status === 'pending' })
        expect(joined.status, label).toBe(admission === 'approval' || requireApproval ? 'pending' : 'joined')
      }
    }
  })

  it('previews a code no link can have (too long, NUL, unpaired surrogate) as invalid, and the others as usual', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const code = await linkTo((await groupOf()).id)
    const unstorable = ['x'.repeat(257), 'é'.repeat(129), `${code}\u0000`, 'a\uD800', '']
    const previews = (await joinery.previewJoinLinks({ codes: [...unstorable, code] }))._unsafeUnwrap()
    expect(previews.map((p) => [p.kind, p.code])).toEqual([...unstorable.map((c) => ['invalid', c]), ['valid', code]])
  })

  it('refuses more than 50 codes or none', async () => {
    const { joinery } = createTestKit()
    expect((await joinery.previewJoinLinks({ codes: [] }))._unsafeUnwrapErr().code).toBe('InvalidInput')
    expect((await joinery.previewJoinLinks({ codes: Array(51).fill('x') }))._unsafeUnwrapErr().code).toBe(
      'InvalidInput',
    )
  })
})

describe('listJoinLinks', () => {
  it('lists the group links newest first for the owner only', async () => {
    const { joinery, groupOf, linkTo, clock } = createTestKit()
    const group = await groupOf({ allowMultipleLinks: true, initialMembers: ['alice'] })
    const older = await linkTo(group.id)
    clock.advance(1)
    const newer = await linkTo(group.id, { requireApproval: true })
    const links = (await joinery.listJoinLinks({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect(links.map((l) => l.code)).toEqual([newer, older])
    expect((await joinery.listJoinLinks({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
  })
})
