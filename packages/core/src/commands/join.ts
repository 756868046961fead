import { err, errAsync, okAsync, type Result, ResultAsync } from 'neverthrow'
import { z } from 'zod'
import { decideJoin, type JoinSnapshot } from '../decide-join.js'
import { decideCap } from '../decisions/caps.js'
import type { ErrorOf, JoinRefusal, StorageFailure } from '../domain/errors.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Step } from '../internal/storage-flow.js'
import { settled } from '../internal/storage-flow.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { JoinState, StoreTx } from '../ports/membership-store.js'
import { type CommandContext, type Outcome, runQuery, settleCommand } from './context.js'
import { expireRequest, isOverdue } from './latest-request.js'
import { countOnLink } from './link-counters.js'
import * as s from './schemas.js'

export const requestJoinByCodeInput = z.object({ actor: s.userId, code: s.joinCode, message: s.message })
export type RequestJoinByCodeInput = z.input<typeof requestJoinByCodeInput>

export const requestJoinInput = z.object({ actor: s.userId, groupId: s.groupId, message: s.message })
export type RequestJoinInput = z.input<typeof requestJoinInput>

export const explainJoinInput = z.union([
  z.object({ actor: s.userId, code: s.joinCode }),
  z.object({ actor: s.userId, groupId: s.groupId }),
])
export type ExplainJoinInput = z.input<typeof explainJoinInput>

export type JoinResult =
  | {
      readonly status: 'joined'
      readonly group: Group
      readonly membership: Membership
      /** `false` when the user was a member already and nothing changed. */
      readonly changed: boolean
    }
  | { readonly status: 'pending'; readonly group: Group; readonly request: JoinRequest; readonly changed: boolean }

export type JoinError =
  | InvalidInput
  | JoinRefusal
  | ErrorOf<'SocialGraphUnavailable' | 'PendingRequestLimitReached'>
  | StorageFailure

export type JoinExplanation =
  | { readonly outcome: 'join' | 'request'; readonly group: Group }
  | { readonly outcome: 'already-member'; readonly group: Group; readonly membership: Membership }
  | { readonly outcome: 'already-pending'; readonly group: Group; readonly request: JoinRequest }
  | { readonly outcome: 'refused'; readonly refusal: JoinRefusal; readonly fix: string }

/** What would let a refused user in, for `explain`. */
export const REFUSAL_FIXES = {
  InvalidCode: 'Ask the group for a current join link: this code does not exist.',
  GroupNotFound: 'The group does not exist or is hidden: ask a member for a join link.',
  UserBanned: 'An approver of the group must lift the ban (or wait until it ends).',
  UserKicked: 'An approver of the group must lift the removal, or add you back.',
  GroupLocked: 'The owner must unlock the group; a permanently locked group admits nobody.',
  LinkDisabled: 'The owner must enable the link again, or share another one.',
  LinkExpired: 'Ask for a new link, or for the owner to extend this one.',
  LinkUsedUp: 'Ask for a new link, or for the owner to raise its use cap.',
  GroupInviteOnly: 'This group takes no direct requests: ask for a join link or to be added.',
  FollowRequired: 'The group owner must follow you first.',
  MemberLimitReached: 'A seat must free up, or the owner must raise the member limit.',
} as const satisfies Record<JoinRefusal['code'], string>

const DIRECT = { kind: 'direct' } as const
const ONE_USE = { uses: 1 } as const
const ONE_PENDING = { pending: 1 } as const
const LOCK = { lock: true } as const
const NO_LOCK = { lock: false } as const

type Target = { readonly kind: 'link'; readonly code: string } | { readonly kind: 'direct'; readonly groupId: GroupId }

interface LoadedSnapshot {
  readonly snapshot: JoinSnapshot
  /** A pending request past its lifetime, to be marked expired by a writing command. */
  readonly staleRequest: JoinRequest | null
}

export type ExplainError = InvalidInput | ErrorOf<'SocialGraphUnavailable'> | StorageFailure

function refusedExplanation(refusal: JoinRefusal): JoinExplanation {
  return { outcome: 'refused', refusal, fix: REFUSAL_FIXES[refusal.code] }
}

/** The explanation of a snapshot, or the user whose follow the owner's graph must be asked about first. */
function explainSnapshot(snapshot: JoinSnapshot): JoinExplanation | { readonly askGraph: UserId } {
  const decision = decideJoin(snapshot)
  if (decision.isErr()) {
    const refusal = decision.error
    if (refusal.code === 'FollowRequired' && snapshot.ownerFollowsUser === null && snapshot.group) {
      return { askGraph: snapshot.group.ownerId }
    }
    return refusedExplanation(refusal)
  }
  const group = snapshot.group as Group
  const d = decision.value
  if (d.kind === 'already-member') return { outcome: 'already-member', group, membership: d.membership }
  if (d.kind === 'already-pending') return { outcome: 'already-pending', group, request: d.request }
  return { outcome: d.kind === 'accept-invitation' ? 'join' : d.kind, group }
}

/** The first attempt's answer when a rule needs the social graph: whom the owner must follow. */
type AskGraph = { readonly askGraph: UserId }
type AttemptRefusal = JoinRefusal | ErrorOf<'SocialGraphUnavailable' | 'PendingRequestLimitReached'>

export function joinCommands(ctx: CommandContext) {
  /** Reads the join state (locking the group first with `lock`) and makes the snapshot the decision sees. */
  async function loadSnapshot(
    tx: StoreTx,
    step: Step,
    target: Target,
    actor: UserId,
    follows: boolean | null,
    lock: boolean,
  ): Promise<LoadedSnapshot> {
    return snapshotOf(await step(readState(tx, target, actor, lock)), target, follows)
  }

  function readState(tx: StoreTx, target: Target, actor: UserId, lock: boolean) {
    // A target is already `{ code }` or `{ groupId }` (with its `kind` besides): handed over as it is.
    return tx.readJoinState(target, actor, lock ? LOCK : NO_LOCK)
  }

  function snapshotOf(state: JoinState, target: Target, follows: boolean | null): LoadedSnapshot {
    const now = ctx.clock.now()
    const { link, group, membership } = state
    const latest = membership ? null : state.latestRequest
    const removal = membership ? null : state.removal
    const pending = latest?.status === 'pending' ? latest : null
    const stale = pending && isOverdue(ctx, pending, now) ? pending : null
    const snapshot: JoinSnapshot = {
      via: target.kind === 'link' ? { kind: 'link', link } : DIRECT,
      group,
      membership,
      pendingRequest: stale ? null : pending,
      removal,
      ownerFollowsUser: follows,
      now,
    }
    return { snapshot, staleRequest: stale }
  }

  /** Whether a FollowRequired refusal should first ask the social graph, and whom to ask about. */
  function followQuestion(snapshot: JoinSnapshot, refusal: JoinRefusal): Outcome<AskGraph, AttemptRefusal> | null {
    if (refusal.code !== 'FollowRequired' || snapshot.ownerFollowsUser !== null || !snapshot.group) return null
    return ctx.socialGraph
      ? { done: { askGraph: snapshot.group.ownerId } }
      : { refused: { code: 'SocialGraphUnavailable' } }
  }

  function attempt(target: Target, actor: UserId, message: string | null, follows: boolean | null) {
    return settleCommand(ctx, async (tx, emit, step): Promise<Outcome<JoinResult | AskGraph, AttemptRefusal>> => {
      // The group is locked first, so the snapshot is the state every earlier command on it left.
      // Read in this body rather than through `loadSnapshot`: one async function less on the hottest path.
      const { snapshot, staleRequest } = snapshotOf(await step(readState(tx, target, actor, true)), target, follows)
      const code = target.kind === 'link' ? target.code : null
      const now = snapshot.now
      const decision = decideJoin(snapshot)
      if (decision.isErr()) {
        const question = followQuestion(snapshot, decision.error)
        if (question) return question
        await step(
          countOnLink(tx, snapshot.via.kind === 'link' && snapshot.via.link ? code : null, {
            refusal: decision.error.code,
          }),
        )
        return { refused: decision.error }
      }
      // decideJoin returned ok, so the group exists.
      const group = snapshot.group as Group
      if (staleRequest) await step(expireRequest(tx, emit, staleRequest, now))
      const d = decision.value
      switch (d.kind) {
        case 'already-member':
          return { done: { status: 'joined', group, membership: d.membership, changed: false } }
        case 'already-pending': {
          if (message === null || message === d.request.message) {
            return { done: { status: 'pending', group, request: d.request, changed: false } }
          }
          const request: JoinRequest = { ...d.request, message, read: false }
          await step(tx.updateRequest(request))
          return { done: { status: 'pending', group, request, changed: true } }
        }
        case 'accept-invitation': {
          const invitation = d.invitation
          const invitedBy = invitation.via.kind === 'invitation' ? invitation.via.invitedBy : null
          const membership: Membership = {
            groupId: group.id,
            userId: actor,
            role: 'member',
            joinedAt: now,
            source: { kind: 'request', requestId: invitation.id },
            addedBy: invitedBy,
          }
          const outcome = await step(tx.insertMembership(membership, group.memberLimit))
          if (outcome === 'limit-reached') {
            return { refused: { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } }
          }
          await step(tx.updateRequest({ ...invitation, status: 'approved', decidedAt: now, decidedBy: actor }))
          emit({
            type: 'JoinRequestApproved',
            groupId: group.id,
            actor,
            at: now,
            requestId: invitation.id,
            subject: actor,
          })
          emit({
            type: 'MemberJoined',
            groupId: group.id,
            actor,
            at: now,
            subject: actor,
            code: null,
            requestId: invitation.id,
          })
          // The group is held: the seat just taken is the only change to its count.
          const updated: Group = { ...group, memberCount: group.memberCount + 1 }
          return { done: { status: 'joined', group: updated, membership, changed: true } }
        }
        case 'request': {
          const pending =
            ctx.caps.pendingRequestsPerGroup === null ? null : await step(tx.countPendingRequests(group.id))
          const capped = decideCap('PendingRequestLimitReached', pending?.total ?? 0, ctx.caps.pendingRequestsPerGroup)
          if (capped.isErr()) {
            await step(countOnLink(tx, code, { refusal: capped.error.code }))
            return { refused: capped.error }
          }
          const request: JoinRequest = {
            id: ctx.ids.newId(),
            groupId: group.id,
            requesterId: actor,
            via: code === null ? { kind: 'direct' } : { kind: 'link', code },
            message,
            status: 'pending',
            createdAt: now,
            decidedAt: null,
            decidedBy: null,
            rejectionReason: null,
            read: false,
          }
          await step(tx.insertRequest(request))
          await step(countOnLink(tx, code, ONE_PENDING))
          emit({ type: 'JoinRequested', groupId: group.id, actor, at: now, requestId: request.id, code })
          return { done: { status: 'pending', group, request, changed: true } }
        }
        case 'join': {
          const membership: Membership = {
            groupId: group.id,
            userId: actor,
            role: 'member',
            joinedAt: now,
            source: code === null ? { kind: 'added' } : { kind: 'link', code },
            addedBy: null,
          }
          const outcome = await step(tx.insertMembership(membership, group.memberLimit))
          if (outcome === 'limit-reached') {
            const refusal = { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } as const
            await step(countOnLink(tx, code, { refusal: refusal.code }))
            return { refused: refusal }
          }
          if (outcome === 'exists') {
            const current = await step(tx.getMembership(group.id, actor))
            return {
              done: { status: 'joined', group, membership: current ?? membership, changed: false },
            }
          }
          // A lapsed removal has done its job; dropping it keeps the table to the bans in force.
          if (snapshot.removal) await step(tx.deleteRemoval(group.id, actor))
          await step(countOnLink(tx, code, ONE_USE))
          emit({ type: 'MemberJoined', groupId: group.id, actor, at: now, subject: actor, code, requestId: null })
          const updated: Group = { ...group, memberCount: group.memberCount + 1 }
          return { done: { status: 'joined', group: updated, membership, changed: true } }
        }
      }
    })
  }

  /** One attempt, and a second one once the social graph has answered when a rule needed it. */
  async function join(target: Target, actor: UserId, message: string | null): Promise<Result<JoinResult, JoinError>> {
    const first = await attempt(target, actor, message, null)
    // Without a question for the graph, the first attempt's answer is the join's.
    if (first.isErr() || !('askGraph' in first.value)) return first as Result<JoinResult, JoinError>
    const graph = ctx.socialGraph
    if (!graph) return err({ code: 'SocialGraphUnavailable' })
    const follows = await settled(graph.follows(first.value.askGraph, actor))
    if (follows.isErr()) return err(follows.error)
    // The second attempt knows the answer, so it never asks again.
    const second = await attempt(target, actor, message, follows.value)
    if (second.isErr() || !('askGraph' in second.value)) return second as Result<JoinResult, JoinError>
    return err({ code: 'FollowRequired' })
  }

  return {
    /**
     * Asks to join through a link code: joins at once, or leaves a pending request when the link or the group
     * asks for approval. A member asking again gets `joined` with nothing changed; a user with a pending request
     * gets it back (with the message replaced when a new one is given).
     * @example
     * const r = await joinery.requestJoinByCode({ actor: 'did:plc:alice', code })
     * if (r.isOk() && r.value.status === 'joined') console.log('welcome to', r.value.group.name)
     */
    requestJoinByCode(input: RequestJoinByCodeInput): ResultAsync<JoinResult, JoinError> {
      const cmd = validate(requestJoinByCodeInput, input)
      if (cmd.isErr()) return errAsync(cmd.error)
      return new ResultAsync(join({ kind: 'link', code: cmd.value.code }, cmd.value.actor, cmd.value.message))
    },

    /** Asks to join a group by its id, with an optional message for the approvers (Bitrix24's way). */
    requestJoin(input: RequestJoinInput): ResultAsync<JoinResult, JoinError> {
      const cmd = validate(requestJoinInput, input)
      if (cmd.isErr()) return errAsync(cmd.error)
      return new ResultAsync(join({ kind: 'direct', groupId: cmd.value.groupId }, cmd.value.actor, cmd.value.message))
    },

    /** What a join attempt would do, and which rule refuses it and what would fix it. Writes nothing. */
    explain(input: ExplainJoinInput): ResultAsync<JoinExplanation, ExplainError> {
      return validate(explainJoinInput, input).asyncAndThen((cmd) => {
        const target: Target =
          'code' in cmd ? { kind: 'link', code: cmd.code } : { kind: 'direct', groupId: cmd.groupId }
        const explainWith = (follows: boolean | null) =>
          runQuery(ctx, async (tx, step): Promise<Outcome<ReturnType<typeof explainSnapshot>, never>> => {
            const { snapshot } = await loadSnapshot(tx, step, target, cmd.actor, follows, false)
            return { done: explainSnapshot(snapshot) }
          })
        return explainWith(null).andThen((first): ResultAsync<JoinExplanation, ExplainError> => {
          if (!('askGraph' in first)) return okAsync(first)
          const graph = ctx.socialGraph
          if (!graph) return errAsync({ code: 'SocialGraphUnavailable' })
          return graph
            .follows(first.askGraph, cmd.actor)
            .andThen(explainWith)
            .map((second) => ('askGraph' in second ? refusedExplanation({ code: 'FollowRequired' }) : second))
        })
      })
    },
  }
}
