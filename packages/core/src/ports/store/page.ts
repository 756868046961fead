/** A position in a keyset-ordered list: the sort time and the id that breaks ties. */
export interface ListKey {
  readonly at: Date
  readonly id: string
}

/** Which slice of a keyset-ordered list to read. */
export interface Page {
  /** Return only rows strictly after this key, in ascending (at, id) order; it need not be the key of a row. */
  readonly after: ListKey | null
  readonly limit: number
}
