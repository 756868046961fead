/**
 * The few PostgreSQL frontend messages a transaction needs, and the reading of PGlite's parsed answers, so that a
 * transaction can talk to PGlite's `execProtocolStream` directly: one call into the database per round of statements,
 * where PGlite's own `exec` makes two and its parameterised `query` six.
 */

/** A backend message as PGlite's `execProtocolStream` answers it (the pg-protocol message classes). */
export interface WireMessage {
  readonly name: string
}

export type RowDescription = { readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[] }

/** How PGlite turns a column's text into a value (its `parsers`) and a parameter into text (its `serializers`). */
export interface WireTypes {
  readonly parsers: Readonly<Record<number | string, (text: string, typeId: number) => unknown>>
  readonly serializers: Readonly<Record<number | string, (value: never) => string>>
}

/** One statement's answer. */
export interface WireResult {
  rows: Record<string, unknown>[]
  command?: string
}

const encoder = new TextEncoder()

/** Builds frontend messages into one buffer, sent as one call. */
export class WireWriter {
  private buffer = new Uint8Array(256)
  private view = new DataView(this.buffer.buffer)
  private length = 0

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n))
    next.set(this.buffer.subarray(0, this.length))
    this.buffer = next
    this.view = new DataView(next.buffer)
  }

  private byte(b: number): void {
    this.room(1)
    this.buffer[this.length++] = b
  }

  private int16(n: number): void {
    this.room(2)
    this.view.setInt16(this.length, n)
    this.length += 2
  }

  private int32(n: number): void {
    this.room(4)
    this.view.setInt32(this.length, n)
    this.length += 4
  }

  private bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buffer.set(b, this.length)
    this.length += b.length
  }

  /** A NUL-terminated string; PostgreSQL would cut the text at a NUL, so one inside is refused. */
  private cstring(text: string): void {
    if (text.includes('\0')) throw new RangeError('a statement cannot hold the NUL character')
    this.bytes(encoder.encode(text))
    this.byte(0)
  }

  /** A message: its type byte, then its length (patched once the body is written). */
  private message(type: string, body: () => void): this {
    this.byte(type.charCodeAt(0))
    const at = this.length
    this.int32(0)
    body()
    this.view.setInt32(at, this.length - at)
    return this
  }

  /** Simple query: statements without parameters, several allowed, each answered. */
  query(text: string): this {
    if (text.includes('\0')) throw new RangeError('a statement cannot hold the NUL character')
    // Encoded in place: at most three bytes per UTF-16 code unit, then the type, the length and the NUL.
    this.room(text.length * 3 + 6)
    const at = this.length
    this.buffer[at] = 0x51
    const { written } = encoder.encodeInto(text, this.buffer.subarray(at + 5))
    this.buffer[at + 5 + written] = 0
    this.view.setInt32(at + 1, written + 5)
    this.length = at + 6 + written
    return this
  }

  /** Parse of the unnamed statement, with the parameter types left to the server. */
  parse(text: string): this {
    return this.message('P', () => {
      this.cstring('')
      this.cstring(text)
      this.int16(0)
    })
  }

  /** Describe of the unnamed statement: its parameter types and its row description. */
  describeStatement(): this {
    return this.message('D', () => {
      this.byte(0x53)
      this.cstring('')
    })
  }

  /** Bind of the unnamed portal to the unnamed statement, every value and column as text. */
  bind(values: readonly (string | null)[]): this {
    return this.message('B', () => {
      this.cstring('')
      this.cstring('')
      this.int16(0)
      this.int16(values.length)
      for (const value of values) {
        if (value === null) {
          this.int32(-1)
          continue
        }
        const b = encoder.encode(value)
        this.int32(b.length)
        this.bytes(b)
      }
      this.int16(0)
    })
  }

  /** Execute of the unnamed portal, every row. */
  execute(): this {
    return this.message('E', () => {
      this.cstring('')
      this.int32(0)
    })
  }

  sync(): this {
    return this.message('S', () => {})
  }

  done(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }
}

/** A parameter as PGlite's own `query` sends it: through its serializer for the type the server described. */
export function wireValue(value: unknown, typeId: number | undefined, types: WireTypes): string | null {
  if (value === null || value === undefined) return null
  const serialize = typeId === undefined ? undefined : types.serializers[typeId]
  return serialize ? serialize(value as never) : String(value)
}

/** The parameter types of a described statement, and its row description (none for a statement without rows). */
export function described(messages: readonly WireMessage[]): {
  params: readonly number[]
  row: RowDescription | undefined
} {
  let params: readonly number[] = []
  let row: RowDescription | undefined
  for (const m of messages) {
    if (m.name === 'parameterDescription') params = (m as unknown as { dataTypeIDs: number[] }).dataTypeIDs
    else if (m.name === 'rowDescription') row = m as unknown as RowDescription
  }
  return { params, row }
}

/**
 * Each statement's answer, in order, as PGlite's own `exec` and `query` give them (columns through its parsers);
 * `row` describes the rows of an execute whose description came in an earlier call.
 */
export function wireResults(messages: readonly WireMessage[], types: WireTypes, row?: RowDescription): WireResult[] {
  const results: WireResult[] = []
  let fields = row?.fields
  let rows: Record<string, unknown>[] = []
  for (const m of messages) {
    switch (m.name) {
      case 'rowDescription':
        fields = (m as unknown as RowDescription).fields
        break
      case 'dataRow': {
        const values = (m as unknown as { fields: (string | null)[] }).fields
        const out: Record<string, unknown> = {}
        values.forEach((text, i) => {
          const field = fields?.[i]
          if (!field) return
          const parse = text === null ? undefined : types.parsers[field.dataTypeID]
          out[field.name] = text === null ? null : parse ? parse(text, field.dataTypeID) : text
        })
        rows.push(out)
        break
      }
      case 'commandComplete':
        results.push({ rows, command: (m as unknown as { text: string }).text.split(' ')[0] })
        rows = []
        fields = undefined
        break
    }
  }
  return results
}
