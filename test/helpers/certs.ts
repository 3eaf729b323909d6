// Test certificates, made once per test process with the openssl CLI into a temp dir that is
// removed when the process exits. EC P-256 keys: quick to generate.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  dir: string;
  /** The test CA every good certificate chains to (PEM). Trust it with `caFile`. */
  caFile: string;
  caKeyFile: string;
  /** Server certificate for localhost and 127.0.0.1, signed by the CA. */
  serverCertFile: string;
  serverKeyFile: string;
  /** Server certificate for `wrongHostName` only, signed by the CA. */
  wrongHostCertFile: string;
  wrongHostKeyFile: string;
  wrongHostName: string;
  /** Server certificate for localhost/127.0.0.1 whose validity ended in 2020, signed by the CA. */
  expiredCertFile: string;
  expiredKeyFile: string;
  /** A second CA nobody trusts, and a localhost/127.0.0.1 server certificate it signed. */
  untrustedCaFile: string;
  untrustedServerCertFile: string;
  untrustedServerKeyFile: string;
  /** Self-signed localhost/127.0.0.1 server certificate (no CA at all). */
  selfSignedCertFile: string;
  selfSignedKeyFile: string;
  /** Client certificate signed by the CA: one PEM file holding the certificate AND its key. */
  clientCertFile: string;
  /** Client certificate signed by the untrusted CA (cert + key in one file). */
  untrustedClientCertFile: string;
}

let made: Promise<TestCerts> | undefined;

/** The test certificates (generated on first call, then shared by the whole test process). */
export function testCerts(): Promise<TestCerts> {
  made ??= generate();
  return made;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr ?? err.message}`);
  }
}

async function generate(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'tr069-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const makeCa = async (name: string, cn: string) =>
    openssl(dir, 'req', '-x509', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.pem`), '-days', '3650',
      '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');

  const leafExt = (name: string, san: string, eku: string) => {
    const f = p(`${name}.ext`);
    writeFileSync(f, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=${eku}\n${san ? `subjectAltName=${san}\n` : ''}`);
    return f;
  };
  const csr = async (name: string, cn: string) =>
    openssl(dir, 'req', '-new', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
  const serial = () => `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`;
  const sign = async (name: string, ca: string, san: string, eku = 'serverAuth') => {
    await openssl(dir, 'x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${ca}.pem`), '-CAkey', p(`${ca}.key`),
      '-set_serial', serial(), '-days', '3650', '-sha256', '-extfile', leafExt(name, san, eku), '-out', p(`${name}.pem`));
  };
  const local = 'DNS:localhost,IP:127.0.0.1';
  const wrongHostName = 'acs.other.test';

  await Promise.all([makeCa('ca', 'tr069-client Test CA'), makeCa('ca2', 'Untrusted Test CA')]);
  await Promise.all([
    csr('server', 'localhost').then(() => sign('server', 'ca', local)),
    csr('wronghost', wrongHostName).then(() => sign('wronghost', 'ca', `DNS:${wrongHostName}`)),
    csr('untrusted', 'localhost').then(() => sign('untrusted', 'ca2', local)),
    csr('client', '000000-Test-SN0001').then(() => sign('client', 'ca', '', 'clientAuth')),
    csr('client2', '000000-Test-SN0002').then(() => sign('client2', 'ca2', '', 'clientAuth')),
    openssl(dir, 'req', '-x509', ...ec, '-keyout', p('selfsigned.key'), '-out', p('selfsigned.pem'), '-days', '3650',
      '-subj', '/CN=localhost', '-addext', `subjectAltName=${local}`),
    makeExpired(dir, local),
  ]);

  const bundle = (name: string) => {
    writeFileSync(p(`${name}-bundle.pem`), readFileSync(p(`${name}.pem`), 'utf8') + readFileSync(p(`${name}.key`), 'utf8'), {
      mode: 0o600,
    });
    return p(`${name}-bundle.pem`);
  };

  return {
    dir,
    caFile: p('ca.pem'),
    caKeyFile: p('ca.key'),
    serverCertFile: p('server.pem'),
    serverKeyFile: p('server.key'),
    wrongHostCertFile: p('wronghost.pem'),
    wrongHostKeyFile: p('wronghost.key'),
    wrongHostName,
    expiredCertFile: p('expired.pem'),
    expiredKeyFile: p('expired.key'),
    untrustedCaFile: p('ca2.pem'),
    untrustedServerCertFile: p('untrusted.pem'),
    untrustedServerKeyFile: p('untrusted.key'),
    selfSignedCertFile: p('selfsigned.pem'),
    selfSignedKeyFile: p('selfsigned.key'),
    clientCertFile: bundle('client'),
    untrustedClientCertFile: bundle('client2'),
  };
}

/** `openssl x509 -req` in OpenSSL 3.0 cannot set past dates; `openssl ca` with -startdate/-enddate can. */
async function makeExpired(dir: string, san: string): Promise<void> {
  const p = (name: string) => join(dir, name);
  const caDir = p('expired-ca');
  mkdirSync(join(caDir, 'new'), { recursive: true });
  writeFileSync(join(caDir, 'index.txt'), '');
  writeFileSync(join(caDir, 'serial'), '1000\n');
  writeFileSync(
    join(caDir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      `database = ${join(caDir, 'index.txt')}`,
      `new_certs_dir = ${join(caDir, 'new')}`,
      `serial = ${join(caDir, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[ext]',
      'basicConstraints = CA:FALSE',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${san}`,
      '',
    ].join('\n'),
  );
  await openssl(dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', p('expired.key'), '-out', p('expired.csr'), '-subj', '/CN=localhost');
  await openssl(dir, 'ca', '-batch', '-config', join(caDir, 'ca.cnf'), '-extensions', 'ext', '-cert', p('ca.pem'),
    '-keyfile', p('ca.key'), '-in', p('expired.csr'), '-out', p('expired.pem'), '-notext',
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z');
}
