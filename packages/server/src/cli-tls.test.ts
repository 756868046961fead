import { createPrivateKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import selfsigned from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  openWorkgroupJoinedByUser2,
  runCommand,
  type StartedCommand,
  startCommand,
  stopCommand,
  withBitrixOverHttps,
} from './internal/command-process.js'

/** An operator's certificate: a CA of its own, and a certificate for 127.0.0.1 that the CA signed. */
async function operatorCertificate() {
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'Joinery test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  })
  const leaf = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  })
  return { ca: ca.cert, caKey: ca.private, cert: leaf.cert, key: leaf.private }
}

/** The certificate the server at `httpsUrl` presents, trusting only `ca` (no public root signs a test CA). */
function presentedCertificate(httpsUrl: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(httpsUrl)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: [ca] }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '')
      socket.end()
    })
    socket.on('error', reject)
  })
}

let dir: string
let files: { ca: string; cert: string; key: string; caKey: string; encryptedKey: string; notPem: string }
let pems: Awaited<ReturnType<typeof operatorCertificate>>
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'joinery-server-tls-test-'))
  pems = await operatorCertificate()
  files = {
    ca: join(dir, 'ca.pem'),
    // The chain, leaf first, as a certificate authority hands it out (fullchain.pem).
    cert: join(dir, 'fullchain.pem'),
    key: join(dir, 'privkey.pem'),
    caKey: join(dir, 'ca-key.pem'),
    encryptedKey: join(dir, 'privkey-encrypted.pem'),
    notPem: join(dir, 'notes.txt'),
  }
  writeFileSync(files.ca, pems.ca)
  writeFileSync(files.cert, `${pems.cert.trim()}\n${pems.ca.trim()}\n`)
  writeFileSync(files.key, pems.key)
  writeFileSync(files.caKey, pems.caKey)
  writeFileSync(
    files.encryptedKey,
    createPrivateKey(pems.key).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }),
  )
  writeFileSync(files.notPem, 'not a certificate\n')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('joinery-server --tls-cert --tls-key', () => {
  let server: StartedCommand
  beforeAll(async () => {
    server = await startCommand(['--port', '0', '--tls-port', '0', '--tls-cert', files.cert, '--tls-key', files.key])
  }, 60_000)
  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
  })

  it("names the operator's files in its banner and writes no throwaway certificate", () => {
    expect(server.output()).toContain("(HTTPS, the operator's certificate)")
    expect(server.output()).toContain(`HTTPS certificate: ${files.cert} (the operator's, valid until `)
    expect(server.output()).toContain(`key ${files.key} (TLS_CERT_FILE, TLS_KEY_FILE)`)
    expect(server.certificateFile).toBeNull()
    expect(server.output()).not.toMatch(/throwaway|certificate\.pem|NODE_EXTRA_CA_CERTS/)
  })

  it('presents the certificate from the file on its HTTPS port', async () => {
    expect(await presentedCertificate(server.httpsUrl, pems.ca)).toBe(new X509Certificate(pems.cert).fingerprint256)
  })

  it('serves sonet_group.* to @bitrix24/b24jssdk over HTTPS, the SDK trusting only the CA that signed it', async () => {
    const story = await withBitrixOverHttps(server.httpsUrl, pems.ca, (call) =>
      openWorkgroupJoinedByUser2(call, 'Behind a real certificate'),
    )
    expect(story).toMatchObject({ requested: true, members: ['1', '2'] })
  })

  it('stops on SIGTERM with exit code 0 and leaves the files alone', async () => {
    expect(await stopCommand(server, 'SIGTERM')).toBe(0)
    expect(readFileSync(files.cert, 'utf8')).toBe(`${pems.cert.trim()}\n${pems.ca.trim()}\n`)
    expect(readFileSync(files.key, 'utf8')).toBe(pems.key)
  })
})

describe('joinery-server with a certificate it cannot use', () => {
  const noStack = expect.not.stringMatching(/\n\s+at /)

  it('refuses one of --tls-cert and --tls-key without the other, or with --tls-port off, with exit code 2', async () => {
    const [certOnly, keyOnly, portOff] = await Promise.allSettled([
      runCommand(['--port', '0', '--tls-port', '0', '--tls-cert', files.cert]),
      runCommand(['--port', '0', '--tls-port', '0', '--tls-key', files.key]),
      runCommand(['--port', '0', '--tls-port', 'off', '--tls-cert', files.cert, '--tls-key', files.key]),
    ])
    expect(certOnly).toMatchObject({
      status: 'rejected',
      reason: {
        code: 2,
        stderr: expect.stringMatching(/TLS_CERT_FILE \(--tls-cert\) needs TLS_KEY_FILE \(--tls-key\)/),
      },
    })
    expect(keyOnly).toMatchObject({
      status: 'rejected',
      reason: {
        code: 2,
        stderr: expect.stringMatching(/TLS_KEY_FILE \(--tls-key\) needs TLS_CERT_FILE \(--tls-cert\)/),
      },
    })
    expect(portOff).toMatchObject({
      status: 'rejected',
      reason: { code: 2, stderr: expect.stringMatching(/TLS_PORT=off/) },
    })
  }, 60_000)

  it('does not start with a key that is not the certificate’s, an encrypted key, a file it cannot read or one with no certificate: exit code 1', async () => {
    const start = (cert: string, key: string) =>
      runCommand(['--port', '0', '--tls-port', '0', '--tls-cert', cert, '--tls-key', key])
    const [mismatch, encrypted, missing, notPem] = await Promise.allSettled([
      start(files.cert, files.caKey),
      start(files.cert, files.encryptedKey),
      start(files.cert, join(dir, 'no-such-key.pem')),
      start(files.notPem, files.key),
    ])
    expect(mismatch).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringContaining(
          `joinery-server: could not start: the key in TLS_KEY_FILE ${files.caKey} does not match the certificate in TLS_CERT_FILE ${files.cert}`,
        ),
      },
    })
    expect(encrypted).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringContaining(
          `could not start: TLS_KEY_FILE ${files.encryptedKey} is encrypted; give the key without a passphrase`,
        ),
      },
    })
    expect(missing).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringContaining(
          `could not start: cannot read TLS_KEY_FILE ${join(dir, 'no-such-key.pem')}: ENOENT`,
        ),
      },
    })
    expect(notPem).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringContaining(`could not start: TLS_CERT_FILE ${files.notPem} holds no PEM certificate`),
      },
    })
    for (const outcome of [mismatch, encrypted, missing, notPem])
      expect(outcome).toMatchObject({ status: 'rejected', reason: { stderr: noStack } })
  }, 60_000)
})
