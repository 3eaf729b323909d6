// An ACS for the session benchmark, run in its own process so that process.cpuUsage() in the
// benchmark counts the client side only. `node --import tsx bench/helpers/server-child.ts <mode>`
// with an IPC channel:
//   mode 'acs'  — the scriptable test ACS (test/acs), GenieACS-like, checks every message;
//   mode 'bare' — a bare node:http server that speaks just enough CWMP: a body → 200 InformResponse
//                 (cwmp:ID echoed, Set-Cookie), an empty POST → 204 + Connection: close.
// It sends {type:'ready', url}, answers 'stats' with {type:'stats', ...} and exits on 'exit' (or
// when the parent goes away).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NS_CWMP_1_2, encode } from '../../src/cwmp/index.js';
import { startTestAcs, type TestAcs } from '../../test/acs/index.js';

export interface ServerStats {
  type: 'stats';
  requests: number;
  sessions: number;
  ended: number;
  failed: number;
  violations: string[];
}

const MAX_BODY = 1 << 20;
const ID_MARK = 'BENCH-ID-MARK';

function bareServer(): { server: Server; stats: () => ServerStats } {
  const [before, after] = encode({ ns: NS_CWMP_1_2, header: { id: ID_MARK }, body: { method: 'InformResponse', maxEnvelopes: 1 } }).split(ID_MARK);
  let requests = 0;
  let sessions = 0;
  let ended = 0;
  const server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) {
        ended++;
        res.writeHead(204, { Connection: 'close' }).end();
        return;
      }
      sessions++;
      const body = Buffer.concat(chunks).toString('utf8');
      const id = /<cwmp:ID[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
      res
        .writeHead(200, { 'Content-Type': 'text/xml; charset="utf-8"', 'Set-Cookie': `session=${randomBytes(8).toString('hex')}` })
        .end(before + id + after);
    });
  });
  return { server, stats: () => ({ type: 'stats', requests, sessions, ended, failed: 0, violations: [] }) };
}

function acsStats(acs: TestAcs): ServerStats {
  return {
    type: 'stats',
    requests: acs.requests.length,
    sessions: acs.sessions.length,
    ended: acs.sessions.filter((s) => s.state === 'ended').length,
    failed: acs.sessions.filter((s) => s.state === 'failed').length,
    violations: [...new Set(acs.violations.map((v) => `${v.rule}: ${v.message}`))].slice(0, 5),
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  let url: string;
  let stats: () => ServerStats;
  let close: () => Promise<void>;
  if (mode === 'acs') {
    const acs = await startTestAcs();
    url = acs.url;
    stats = () => acsStats(acs);
    close = () => acs.close();
  } else if (mode === 'bare') {
    const bare = bareServer();
    await new Promise<void>((resolve, reject) => {
      bare.server.once('error', reject);
      bare.server.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/`;
    stats = bare.stats;
    close = () =>
      new Promise<void>((resolve) => {
        bare.server.close(() => resolve());
        bare.server.closeAllConnections();
      });
  } else {
    throw new Error(`unknown mode ${mode} (acs | bare)`);
  }
  process.on('message', (m: unknown) => {
    if (m === 'stats') process.send?.(stats());
    else if (m === 'exit') process.disconnect?.();
  });
  // Parent said 'exit' or went away: close the server and end.
  process.on('disconnect', () => void close().then(() => process.exit(0)));
  process.send?.({ type: 'ready', url });
}

await main();
