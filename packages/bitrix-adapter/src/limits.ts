/**
 * The most user ids one `sonet_group.user.*` call (and all the calls of one batch together) may name. The adapter
 * does them in core commands of at most `MAX_USERS_PER_COMMAND` (100) each, so 1,000 is at most ten short
 * transactions; measured on PGlite, about 0.8–1 s in all.
 */
export const MAX_USER_IDS_PER_CALL = 1000

/** The pause between the slices of a big call (ms), so that requests that arrived meanwhile reach the store first. */
export const SLICE_PAUSE_MS = 10
