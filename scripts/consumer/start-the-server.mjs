// `npx @joinery/server` as a user runs it: the installed `joinery-server` started as a child process, called once over
// HTTP on each protocol (a did:key user's service JWT on XRPC, a webhook on Bitrix24 REST), then stopped with SIGTERM.
// @atproto/crypto and @atproto/xrpc-server only mint the caller's token here (they are the server's own dependencies).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'

function expect(condition, what) {
  if (!condition) throw new Error(`joinery-server check failed: ${what}`)
}

const child = spawn(join('node_modules', '.bin', 'joinery-server'), ['--port', '0', '--tls-port', 'off'], {
  env: { ...process.env, PORT: '', TLS_PORT: '', DATABASE_URL: '', DATA_DIR: '' },
})
let output = ''
child.stdout.on('data', (chunk) => {
  output += chunk
})
child.stderr.on('data', (chunk) => {
  output += chunk
})
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
try {
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 60 s:\n${output}`)), 60_000)
    child.stdout.on('data', () => {
      if (!output.includes('Press Ctrl+C')) return
      clearTimeout(timer)
      resolve()
    })
    exited.then((code) => reject(new Error(`joinery-server exited ${code}:\n${output}`)))
  })
  const url = /AT Protocol XRPC:\s+(http:\/\/[^/\s]+)\/xrpc/.exec(output)?.[1]
  const serviceDid = /service DID (\S+)\)/.exec(output)?.[1]
  expect(url && serviceDid, `a banner with the address and the service DID:\n${output}`)
  expect(output.includes('did:key callers — accepted'), 'the banner says did:key callers are accepted')

  const keypair = await Secp256k1Keypair.create()
  const lxm = 'chat.bsky.group.createGroup'
  const jwt = await createServiceJwt({ iss: keypair.did(), aud: serviceDid, lxm, keypair })
  const created = await fetch(`${url}/xrpc/${lxm}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Climbers', members: [] }),
  }).then((r) => r.json())
  expect(created.convo?.members?.[0]?.did === keypair.did(), `createGroup made a convo, got ${JSON.stringify(created)}`)
  console.log(`joinery-server: ${lxm} made convo ${created.convo.id} for a did:key caller`)

  const workgroup = await fetch(`${url}/rest/1/demo-hook-1/sonet_group.create.json?NAME=Climbers&OPENED=Y`).then((r) =>
    r.json(),
  )
  expect(Number.isInteger(workgroup.result), `sonet_group.create answered an id, got ${JSON.stringify(workgroup)}`)
  console.log(`joinery-server: sonet_group.create made workgroup ${workgroup.result} for webhook user 1`)
} finally {
  child.kill('SIGTERM')
}
expect((await exited) === 0, `joinery-server stops with exit code 0 on SIGTERM:\n${output}`)
console.log('joinery-server: stopped cleanly on SIGTERM')
