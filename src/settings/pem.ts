// Checks of the certificate files named by client-certificate and ca-certificate, done when they are
// set, so that a wrong file is reported to the operator at once instead of as a TLS failure later.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAX_PEM_BYTES = 1024 * 1024;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BEGIN = /-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----/;

/** Reads a (small) PEM file; throws an Error with a sentence naming the problem. */
function readPem(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`${path} is not readable (permission denied)`);
    throw new Error(`cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new Error(`${path} is a directory, not a PEM file`);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    if (st.size > MAX_PEM_BYTES) throw new Error(`${path} is too big for a PEM file (over 1 MiB)`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new Error(`${path} is a directory, not a PEM file`);
    throw err;
  } finally {
    closeSync(fd);
  }
}

function certificates(path: string, pem: string): X509Certificate[] {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new Error(`${path}: certificate ${i + 1} is not a valid PEM certificate`);
    }
  });
}

/** A client certificate file must hold the certificate and its (unencrypted) private key. */
export function checkClientCertificateFile(path: string): void {
  const pem = readPem(path);
  const certs = certificates(path, pem);
  const keyMatch = KEY_BEGIN.exec(pem);
  if (certs.length === 0 && !keyMatch) throw new Error(`${path} holds neither a PEM certificate nor a private key`);
  if (certs.length === 0) throw new Error(`${path} holds a private key but no PEM certificate (both are needed)`);
  if (!keyMatch) throw new Error(`${path} holds a certificate but no PEM private key (both are needed)`);
  if (keyMatch[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new Error(`${path}: the private key is encrypted; tr069-client needs it unencrypted (mode 0600)`);
  }
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${path}: the private key cannot be read`);
  }
  if (!certs[0].checkPrivateKey(key)) {
    throw new Error(`${path}: the private key does not belong to the (first) certificate`);
  }
}

/** A CA file must hold at least one certificate, and every certificate in it must be valid. */
export function checkCaCertificateFile(path: string): void {
  const pem = readPem(path);
  if (certificates(path, pem).length === 0) throw new Error(`${path} holds no PEM certificate`);
}
