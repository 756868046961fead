import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { ServerConfig } from './config.js'

/** The operator's certificate and key for the HTTPS port, read and checked. */
export interface OperatorCertificate {
  /** PEM, as read: the certificate, or the chain with the leaf first. */
  readonly cert: string
  readonly key: string
  /** When the (leaf) certificate expires, as OpenSSL prints it. */
  readonly validTo: string
}

async function readSetting(variable: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${variable} ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * Reads `TLS_CERT_FILE` and `TLS_KEY_FILE` and checks that the key is the certificate's. Throws an error that names
 * the setting and the file (never a stack of OpenSSL's): a file that cannot be read, one that holds no PEM
 * certificate or key, an encrypted key, a key that does not match.
 */
export async function readOperatorCertificate(
  files: NonNullable<ServerConfig['tlsFiles']>,
): Promise<OperatorCertificate> {
  const cert = await readSetting('TLS_CERT_FILE', files.certFile)
  const key = await readSetting('TLS_KEY_FILE', files.keyFile)
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch {
    throw new Error(`TLS_CERT_FILE ${files.certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`)
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(key)
  } catch (error) {
    // OpenSSL's own error for an encrypted key without a passphrase varies by version; the PEM says it plainly.
    const encrypted =
      /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key) ||
      (error as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE'
    throw new Error(
      encrypted
        ? `TLS_KEY_FILE ${files.keyFile} is encrypted; give the key without a passphrase`
        : `TLS_KEY_FILE ${files.keyFile} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
    )
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(
      `the key in TLS_KEY_FILE ${files.keyFile} does not match the certificate in TLS_CERT_FILE ${files.certFile}`,
    )
  return { cert, key, validTo: leaf.validTo }
}
