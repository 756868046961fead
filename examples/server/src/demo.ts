import { configFromEnv, startServer } from '@joinery/server'
import { playScenario, type Step, TERMS } from './scenario.js'

// The demo: start the server on free ports (in memory, quiet), play the story through the real clients, print each
// call beside what came back, and say whether everything happened as narrated. The story needs the default settings,
// so the environment is not read.
const config = {
  ...configFromEnv({}),
  port: 0,
  tlsPort: 0,
  groupMemberLimit: 4,
  log: false,
}

/** `text` wrapped to lines of at most `width` characters, the later ones indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  lines.push(line)
  return lines.join(`\n${indent}`)
}

const HEADINGS: Record<Step['protocol'], string> = {
  atproto: 'AT Protocol — a Bluesky group chat, through @atproto/api (XRPC: GET for reads, POST for changes)',
  bitrix24:
    'Bitrix24 — workgroups, through the official @bitrix24/b24jssdk over HTTPS (each call a POST to the webhook)',
}

const server = await startServer(config)
console.log(`Joinery demo — both protocols on ${server.httpUrl} (and ${server.httpsUrl}), ${server.storage}

Terms used below
${TERMS.map(([term, meaning]) => `  ${term.padEnd(13)}${wrap(meaning, 100, ' '.repeat(15))}`).join('\n')}`)
let ok = false
try {
  const steps = await playScenario(server, config)
  let protocol: Step['protocol'] | null = null
  for (const s of steps) {
    if (s.protocol !== protocol) {
      protocol = s.protocol
      console.log(`\n${HEADINGS[protocol]}`)
    }
    console.log(`${s.asExpected ? '✓' : '✗'} ${s.says}`)
    console.log(`    ${s.call.replaceAll('\n', '\n    ')}\n      → ${s.outcome}`)
  }
  ok = steps.every((s) => s.asExpected)
  console.log(ok ? '\nEverything happened as narrated.' : '\nSomething did not happen as narrated (✗ above).')
} finally {
  await server.stop()
}
process.exit(ok ? 0 : 1)
