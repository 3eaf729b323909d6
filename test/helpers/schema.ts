// assertValidCwmp: validates CWMP SOAP messages against the BBF schemas, offline, with xmllint
// (test/bbf/validate-cwmp.sh). Call it on every message the client sends in a test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bbf', 'validate-cwmp.sh');

let xmllintChecked = false;

function requireXmllint(): void {
  if (xmllintChecked) return;
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(
      'assertValidCwmp: xmllint is not installed, so CWMP messages cannot be schema-validated. ' +
        'Install it (Debian/Ubuntu: apt-get install -y libxml2-utils) and run the tests again.',
    );
  }
  xmllintChecked = true;
}

/**
 * Throws unless every message is a schema-valid CWMP SOAP envelope (strict envelope profile, BBF
 * cwmp-1-0/1-1/1-2 schemas). All messages are checked with one run of the validator; the error
 * names each failing message, xmllint's complaint and the start of the message.
 */
export function assertValidCwmp(xmlMessages: string | string[]): void {
  const messages = typeof xmlMessages === 'string' ? [xmlMessages] : xmlMessages;
  if (messages.length === 0) return;
  requireXmllint();
  const dir = mkdtempSync(join(tmpdir(), 'cwmp-validate-'));
  try {
    const files = messages.map((m, i) => {
      const f = join(dir, `message-${String(i).padStart(4, '0')}.xml`);
      writeFileSync(f, m, 'utf8');
      return f;
    });
    const r = spawnSync('bash', [SCRIPT, '-q', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error !== undefined) throw new Error(`assertValidCwmp: cannot run ${SCRIPT}: ${r.error.message}`);
    if (r.status === 0) return;
    const report = `${r.stdout}${r.stderr}`.trim();
    const failed = files
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => report.includes(`FAIL ${f}`))
      .map(({ i }) => `--- message ${i} (first 1500 characters):\n${messages[i].slice(0, 1500)}`);
    throw new Error(`CWMP schema validation failed (validate-cwmp.sh exit ${r.status}):\n${report}\n${failed.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
