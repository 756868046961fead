import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Group } from '../domain/group.js'
import { emptyCounters, type JoinLink } from '../domain/join-link.js'
import { ACCESS_RULES } from './access.js'
import {
  CREATE_LINK_RULES,
  DISABLE_LINK_RULES,
  decideCreateLink,
  decideDisableLink,
  decideEditLink,
  decideEnableLink,
  ENABLE_LINK_RULES,
  pickLink,
} from './links.js'

const t = new Date('2026-06-01T00:00:00Z')
const group = (allowMultipleLinks: boolean): Group => ({
  id: 'g',
  name: 'G',
  description: '',
  ownerId: 'owner',
  createdAt: t,
  memberLimit: null,
  memberCount: 1,
  lockStatus: 'unlocked',
  admission: 'open',
  visibility: 'public',
  approvers: 'owner',
  allowMultipleLinks,
})
const aLink = (code: string, enabled: boolean): JoinLink => ({
  code,
  groupId: 'g',
  createdBy: 'owner',
  joinRule: 'anyone',
  requireApproval: false,
  enabled,
  createdAt: t,
  name: null,
  expiresAt: null,
  maxUses: null,
  counters: emptyCounters,
})
/** A group's links, newest first, each enabled or not. */
const someLinks = fc.array(fc.boolean(), { maxLength: 4 }).map((enabled) => enabled.map((on, i) => aLink(`c${i}`, on)))

describe('link decisions', () => {
  it('make a link unless another is enabled in a group that allows one (CREATE_LINK_RULES)', () => {
    expect(CREATE_LINK_RULES.length).toBe(ACCESS_RULES.length + 2)
    fc.assert(
      fc.property(fc.boolean(), someLinks, (multiple, links) => {
        const r = decideCreateLink(group(multiple), links)
        const blocked = !multiple && links.some((l) => l.enabled)
        expect(r.isErr() ? r.error.code : r.value).toBe(blocked ? 'EnabledLinkExists' : 'create')
      }),
    )
  })

  it('pick the named link of the group, else its enabled link, else its newest, else NoJoinLink', () => {
    fc.assert(
      fc.property(
        someLinks,
        fc.option(fc.constantFrom('c0', 'c1', 'c3', 'other'), { nil: undefined }),
        (links, code) => {
          const r = pickLink(links, code)
          const expected =
            code !== undefined ? links.find((l) => l.code === code) : (links.find((l) => l.enabled) ?? links[0])
          if (expected) expect(r._unsafeUnwrap()).toBe(expected)
          else expect(r._unsafeUnwrapErr().code).toBe('NoJoinLink')
        },
      ),
    )
  })

  it('enable by the first rule that applies, in ENABLE_LINK_RULES order', () => {
    expect(ENABLE_LINK_RULES.slice(ACCESS_RULES.length + 1).length).toBe(3)
    fc.assert(
      fc.property(
        fc.boolean(),
        someLinks.filter((l) => l.length > 0),
        fc.nat(),
        (multiple, links, i) => {
          const link = links[i % links.length] as JoinLink
          const r = decideEnableLink(group(multiple), links, link)
          const expected = link.enabled
            ? 'LinkAlreadyEnabled'
            : !multiple && links.some((l) => l.enabled && l.code !== link.code)
              ? 'EnabledLinkExists'
              : 'change'
          expect(r.isErr() ? r.error.code : r.value.kind).toBe(expected)
          if (r.isOk() && r.value.kind === 'change') expect(r.value.change).toEqual({ enabled: true })
        },
      ),
    )
  })

  it('disable an enabled link and leave a disabled one as it is (DISABLE_LINK_RULES)', () => {
    expect(DISABLE_LINK_RULES.length).toBe(ACCESS_RULES.length + 2)
    fc.assert(
      fc.property(fc.boolean(), (enabled) => {
        const d = decideDisableLink(aLink('c', enabled))
        expect(d).toEqual(
          enabled ? { kind: 'change', change: { enabled: false }, fields: ['enabled'] } : { kind: 'unchanged' },
        )
      }),
    )
  })

  it('edit only the settings given that differ from the current ones, dates by their time', () => {
    const settings = fc.record(
      {
        requireApproval: fc.boolean(),
        name: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
        maxUses: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
        expiresAt: fc.option(
          fc.constantFrom(0, 1).map((ms) => new Date(t.getTime() + ms)),
          { nil: null },
        ),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(settings, settings, (current, wanted) => {
        const link = { ...aLink('c', true), ...current }
        const d = decideEditLink(link, wanted)
        const differs = (Object.keys(wanted) as (keyof typeof wanted)[]).filter(
          (k) =>
            String(wanted[k] instanceof Date ? (wanted[k] as Date).getTime() : wanted[k]) !==
            String(link[k] instanceof Date ? (link[k] as Date).getTime() : link[k]),
        )
        if (differs.length === 0) expect(d).toEqual({ kind: 'unchanged' })
        else {
          expect(d.kind).toBe('change')
          if (d.kind === 'change') {
            expect([...d.fields].sort()).toEqual([...differs].sort())
            expect({ ...link, ...d.change }).toEqual({ ...link, ...wanted })
          }
        }
      }),
    )
  })
})
