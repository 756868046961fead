import { type CoreError, createInMemoryStore, createJoinery, type DomainEvent } from '@joinery/core'

/** Plays the quickstart story and returns its transcript, one line per step. */
export async function runQuickstart(): Promise<string[]> {
  const lines: string[] = []
  const say = (line: string) => lines.push(line)
  const events: DomainEvent[] = []
  const joinery = createJoinery({
    store: createInMemoryStore(),
    events: { publish: (batch) => void events.push(...batch) },
  })
  const fail = (step: string, error: CoreError) => {
    throw new Error(`${step} failed: ${error.code}`)
  }

  const created = await joinery.createGroup({
    actor: 'ada',
    name: 'Climbing club',
    admission: 'invite-only',
    memberLimit: 3,
  })
  if (created.isErr()) return fail('createGroup', created.error)
  const group = created.value
  say(`ada creates "${group.name}" (limit ${group.memberLimit}, ${group.memberCount} member)`)

  const link = await joinery.createJoinLink({ actor: 'ada', groupId: group.id })
  if (link.isErr()) return fail('createJoinLink', link.error)
  say(`ada shares a join link: ${link.value.code}`)

  const bob = await joinery.requestJoinByCode({ actor: 'bob', code: link.value.code })
  if (bob.isErr()) return fail('bob joins', bob.error)
  say(`bob uses the link: ${bob.value.status}`)

  const edited = await joinery.editJoinLink({ actor: 'ada', groupId: group.id, requireApproval: true })
  if (edited.isErr()) return fail('editJoinLink', edited.error)
  say('ada switches the link to "approval required"')

  const cy = await joinery.requestJoinByCode({ actor: 'cy', code: link.value.code, message: 'I climb on Tuesdays' })
  if (cy.isErr()) return fail('cy asks', cy.error)
  say(`cy uses the link with a message: ${cy.value.status}`)

  const pending = await joinery.listJoinRequests({ actor: 'ada', groupId: group.id })
  if (pending.isErr()) return fail('listJoinRequests', pending.error)
  for (const r of pending.value.items) say(`ada sees a request from ${r.requesterId}: "${r.message}"`)

  const approved = await joinery.approveJoinRequest({ actor: 'ada', groupId: group.id, userId: 'cy' })
  if (approved.isErr()) return fail('approve', approved.error)
  say(`ada approves cy: the group has ${approved.value.group.memberCount} of ${group.memberLimit} members`)

  const dan = await joinery.explain({ actor: 'dan', code: link.value.code })
  if (dan.isErr()) return fail('explain', dan.error)
  say(
    `explain for dan: ${dan.value.outcome === 'refused' ? `${dan.value.refusal.code} — ${dan.value.fix}` : dan.value.outcome}`,
  )

  const kicked = await joinery.removeMembers({ actor: 'ada', groupId: group.id, userIds: ['bob'] })
  if (kicked.isErr()) return fail('kick', kicked.error)
  say(`ada kicks bob: ${kicked.value.group.memberCount} members left`)

  const back = await joinery.requestJoinByCode({ actor: 'bob', code: link.value.code })
  say(`bob tries the link again: ${back.isErr() ? `refused with ${back.error.code}` : back.value.status}`)

  say(`events published: ${events.map((e) => e.type).join(', ')}`)
  return lines
}
