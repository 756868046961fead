/**
 * Makes `text` safe to print as part of one log line: a backslash is doubled, newline, CR and tab become `\n`, `\r`,
 * `\t`, and every other C0 or C1 control character (ESC of the ANSI sequences included), DEL and the Unicode line and
 * paragraph separators become `\xNN` / `\uNNNN`. Whatever a request carries, it cannot start a line of its own,
 * move the cursor or recolour the terminal.
 */
export function escapeForLog(text: string): string {
  let out = ''
  for (const c of text) {
    const code = c.codePointAt(0) as number
    if (c === '\\') out += '\\\\'
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`
    else out += c
  }
  return out
}
