import type { Group, JoinLink, JoinRequest, Membership, MembershipSource, Removal } from '@joinery/core'

/** Column lists and row mappers, one per table. */
export const GROUP_COLUMNS =
  'id, name, description, owner_id, created_at, member_limit, member_count, lock_status, admission, visibility, approvers, allow_multiple_links, inviters, attributes'

/** The attributes column (jsonb, or its text from row_to_json): `{}` and NULL are no attributes. */
function attributesOf(raw: unknown): { attributes?: Group['attributes'] } {
  const value = typeof raw === 'string' ? JSON.parse(raw) : raw
  return value && typeof value === 'object' && Object.keys(value).length > 0
    ? { attributes: value as Group['attributes'] }
    : {}
}

export function groupOf(r: Record<string, unknown>): Group {
  return {
    id: r.id as string,
    name: r.name as string,
    description: r.description as string,
    ownerId: r.owner_id as string,
    createdAt: new Date(r.created_at as Date),
    memberLimit: r.member_limit === null ? null : Number(r.member_limit),
    memberCount: Number(r.member_count),
    lockStatus: r.lock_status as Group['lockStatus'],
    admission: r.admission as Group['admission'],
    visibility: r.visibility as Group['visibility'],
    approvers: r.approvers as Group['approvers'],
    allowMultipleLinks: r.allow_multiple_links as boolean,
    // NULL: a group written before migration 3, or by an instance without it; its approvers invite (`invitersOf`).
    ...(r.inviters ? { inviters: r.inviters as NonNullable<Group['inviters']> } : {}),
    ...attributesOf(r.attributes),
  }
}

/** The group's columns but `member_count`, in GROUP_COLUMNS order ($7… skip the count, which only seats change). */
export function groupParams(g: Group): unknown[] {
  return [
    g.id,
    g.name,
    g.description,
    g.ownerId,
    g.createdAt,
    g.memberLimit,
    g.lockStatus,
    g.admission,
    g.visibility,
    g.approvers,
    g.allowMultipleLinks,
    g.inviters ?? null,
    g.attributes && Object.keys(g.attributes).length > 0 ? JSON.stringify(g.attributes) : null,
  ]
}

export const MEMBERSHIP_COLUMNS =
  'group_id, user_id, role, joined_at, source_kind, source_code, source_request_id, added_by'

export function membershipOf(r: Record<string, unknown>): Membership {
  const kind = r.source_kind as MembershipSource['kind']
  const source: MembershipSource =
    kind === 'link'
      ? { kind, code: r.source_code as string }
      : kind === 'request'
        ? { kind, requestId: r.source_request_id as string }
        : { kind }
  return {
    groupId: r.group_id as string,
    userId: r.user_id as string,
    role: r.role as Membership['role'],
    joinedAt: new Date(r.joined_at as Date),
    source,
    addedBy: (r.added_by as string | null) ?? null,
  }
}

export function membershipParams(m: Membership): unknown[] {
  return [
    m.groupId,
    m.userId,
    m.role,
    m.joinedAt,
    m.source.kind,
    m.source.kind === 'link' ? m.source.code : null,
    m.source.kind === 'request' ? m.source.requestId : null,
    m.addedBy,
  ]
}

export const LINK_COLUMNS =
  'code, group_id, created_by, join_rule, require_approval, enabled, created_at, name, expires_at, max_uses, uses, pending, refusals'

export function linkOf(r: Record<string, unknown>): JoinLink {
  const refusals = typeof r.refusals === 'string' ? JSON.parse(r.refusals) : r.refusals
  return {
    code: r.code as string,
    groupId: r.group_id as string,
    createdBy: r.created_by as string,
    joinRule: r.join_rule as JoinLink['joinRule'],
    requireApproval: r.require_approval as boolean,
    enabled: r.enabled as boolean,
    createdAt: new Date(r.created_at as Date),
    name: (r.name as string | null) ?? null,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at as Date),
    maxUses: r.max_uses === null ? null : Number(r.max_uses),
    counters: { uses: Number(r.uses), pending: Number(r.pending), refusals: refusals ?? {} },
  }
}

export function linkParams(l: JoinLink): unknown[] {
  return [
    l.code,
    l.groupId,
    l.createdBy,
    l.joinRule,
    l.requireApproval,
    l.enabled,
    l.createdAt,
    l.name,
    l.expiresAt,
    l.maxUses,
    l.counters.uses,
    l.counters.pending,
    JSON.stringify(l.counters.refusals),
  ]
}

export const REQUEST_COLUMNS =
  'id, group_id, requester_id, via_kind, via_code, invited_by, message, status, created_at, decided_at, decided_by, rejection_reason, read'

export function requestOf(r: Record<string, unknown>): JoinRequest {
  const viaKind = r.via_kind as JoinRequest['via']['kind']
  return {
    id: r.id as string,
    groupId: r.group_id as string,
    requesterId: r.requester_id as string,
    via:
      viaKind === 'link'
        ? { kind: 'link', code: r.via_code as string }
        : viaKind === 'invitation'
          ? { kind: 'invitation', invitedBy: r.invited_by as string }
          : { kind: 'direct' },
    message: (r.message as string | null) ?? null,
    status: r.status as JoinRequest['status'],
    createdAt: new Date(r.created_at as Date),
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at as Date),
    decidedBy: (r.decided_by as string | null) ?? null,
    rejectionReason: (r.rejection_reason as string | null) ?? null,
    read: r.read as boolean,
  }
}

export function requestParams(q: JoinRequest): unknown[] {
  return [
    q.id,
    q.groupId,
    q.requesterId,
    q.via.kind,
    q.via.kind === 'link' ? q.via.code : null,
    q.via.kind === 'invitation' ? q.via.invitedBy : null,
    q.message,
    q.status,
    q.createdAt,
    q.decidedAt,
    q.decidedBy,
    q.rejectionReason,
    q.read,
  ]
}

export function removalOf(r: Record<string, unknown>): Removal {
  return {
    groupId: r.group_id as string,
    userId: r.user_id as string,
    kind: r.kind as Removal['kind'],
    by: r.removed_by as string,
    at: new Date(r.removed_at as Date),
    until: r.until === null ? null : new Date(r.until as Date),
    reason: (r.reason as string | null) ?? null,
  }
}
