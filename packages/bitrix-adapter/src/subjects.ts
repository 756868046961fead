/** A workgroup subject (`sonet_group_subject.*`): a portal-level category a group names by `SUBJECT_ID`. */
export interface Subject {
  readonly id: number
  readonly name: string
  readonly sort: number
  readonly siteIds: readonly string[]
}

/**
 * Where the portal's subjects live: an adapter-owned port, since subjects are portal data, not membership. Every
 * method MAY be asynchronous. `list` answers every subject of a site, ordered by `sort` then `id`; `add` assigns the
 * next id; `update` answers `false` for a missing subject; `remove` answers `false` for a missing one.
 */
export interface BitrixSubjects {
  list(siteId: string): Promise<readonly Subject[]> | readonly Subject[]
  get(id: number): Promise<Subject | null> | Subject | null
  add(subject: Omit<Subject, 'id'>): Promise<Subject> | Subject
  update(id: number, change: Partial<Omit<Subject, 'id'>>): Promise<boolean> | boolean
  remove(id: number): Promise<boolean> | boolean
}

/** The subject every portal starts with (and the one a group without `SUBJECT_ID` shows). */
export const DEFAULT_SUBJECT: Subject = { id: 1, name: 'Workgroups', sort: 100, siteIds: ['s1'] }

/**
 * Subjects in this process's memory, starting with `DEFAULT_SUBJECT`. Copies of a server sharing one database do
 * not share them: give such a deployment its own shared `BitrixSubjects`.
 */
export function createInMemorySubjects(initial: readonly Subject[] = [DEFAULT_SUBJECT]): BitrixSubjects {
  const subjects = new Map(initial.map((s) => [s.id, s]))
  let nextId = Math.max(0, ...initial.map((s) => s.id)) + 1
  return {
    list: (siteId) =>
      [...subjects.values()].filter((s) => s.siteIds.includes(siteId)).sort((a, b) => a.sort - b.sort || a.id - b.id),
    get: (id) => subjects.get(id) ?? null,
    add(subject) {
      const added = { ...subject, id: nextId++ }
      subjects.set(added.id, added)
      return added
    },
    update(id, change) {
      const current = subjects.get(id)
      if (!current) return false
      subjects.set(id, { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) })
      return true
    },
    remove: (id) => subjects.delete(id),
  }
}
