// Session cost and idle memory. `node --import tsx bench/index.ts session` (after `npm run build`).
//
// (a) One complete periodic session (Inform → InformResponse, empty POST → 204) driven in-process by
//     the real code: src/session/runner.ts runSession over src/transport/http-session.ts
//     openHttpSession, with an Inform built as the daemon builds it (real data model of this machine,
//     bench/helpers/inform.ts). Wall and CPU time (process.cpuUsage deltas) per session. The servers
//     run in child processes, so the CPU figures are the client's alone. Baseline, same run, same
//     server: a bare undici Client (one connection, like the transport) POSTing the same Inform bytes
//     and the empty POST. The variants are interleaved round by round, so load on the shared machine
//     hits them alike.
// (b) Idle RSS of the daemon after its first session (+ ~2 s idle, and again at SETTLED_MS, once V8's
//     memory reducer has run) beside a bare node:http server, same run, median of ROUNDS starts: the
//     built daemon (`node dist/src/cli/main.js run`, the main figure; target ≤ 1.25× the bare
//     server) and the tsx-run daemon of the tests; also the CPU each uses while idle. Above target, a
//     breakdown of where the memory goes: the bare server plus one import (and one use) each, the
//     daemon with V8 heap flags, and the daemon with tough-cookie swapped for a slimmer
//     stand-in (bench/helpers/slim-dist.ts) to put numbers on the suggestions.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Client } from 'undici';
import { encode, NS_CWMP_1_2, type Inform } from '../src/cwmp/index.js';
import { runSession } from '../src/session/runner.js';
import { openHttpSession } from '../src/transport/http-session.js';
import { startTestAcs } from '../test/acs/index.js';
import { startDaemon, tempDataDir } from '../test/helpers/daemon.js';
import { BUILT_MAIN, ROOT, SESSION_LINE, startBuiltDaemon } from './helpers/daemon.js';
import { realInformSource, type InformStep } from './helpers/inform.js';
import { makeSlimDist, type Swap } from './helpers/slim-dist.js';
import { readRss, startChild, waitListening, type Rss } from './helpers/proc.js';
import { startServerProc } from './helpers/server-proc.js';
import { cpuSince, fmt, loadNote, median, p99, ratio, sleep, table } from './helpers/stats.js';

const SESSIONS = 1000;
const WARMUP = 50;
const ROUNDS = 3;
const IDLE_MS = 2000;
const SETTLED_MS = 10_000;
const TARGET = 1.25;
const BARE_SERVER = "require('http').createServer((q,s)=>s.end()).listen(0,'127.0.0.1')";

interface Samples {
  wall: number[];
  cpu: number[];
}
const samples = (): Samples => ({ wall: [], cpu: [] });

async function timed<T>(s: Samples | undefined, fn: () => Promise<T>): Promise<T> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const v = await fn();
  const wall = performance.now() - t0;
  const cpu = cpuSince(cpu0) / 1000;
  s?.wall.push(wall);
  s?.cpu.push(cpu);
  return v;
}

// ---- (a) session time ------------------------------------------------------------------------

async function realSession(url: string, inform: Inform): Promise<number> {
  const outcome = await runSession({
    transport: openHttpSession({ url }),
    inform,
    handleRequest: async () => {
      throw new Error('no ACS request expected in a periodic session');
    },
  });
  if (!outcome.ok) throw new Error(`session to ${url} failed: ${outcome.error}`);
  return outcome.messages;
}

/** The bare transport: one undici connection, the Inform bytes, then the empty POST, as HTTP only. */
async function bareRoundTrip(url: string, informXml: string): Promise<void> {
  const u = new URL(url);
  const client = new Client(u.origin, { pipelining: 1 });
  try {
    const r1 = await client.request({
      method: 'POST',
      path: u.pathname,
      headers: { 'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: '' },
      body: informXml,
    });
    const reply = await r1.body.text();
    if (r1.statusCode !== 200 || !reply.includes('InformResponse')) throw new Error(`bare server answered ${r1.statusCode}`);
    const cookie = String(r1.headers['set-cookie'] ?? '').split(';')[0];
    const r2 = await client.request({ method: 'POST', path: u.pathname, headers: { Cookie: cookie }, body: '' });
    await r2.body.dump();
    if (r2.statusCode !== 204) throw new Error(`bare server answered ${r2.statusCode} to the empty POST`);
  } finally {
    await client.destroy();
  }
}

async function sessionTimes(): Promise<void> {
  const loadBefore = loadNote();
  const [acs, bare] = await Promise.all([startServerProc('acs'), startServerProc('bare')]);
  const informs = await realInformSource(acs.url).catch(async (err: unknown) => {
    await Promise.all([acs.stop(), bare.stop()]);
    throw err;
  });
  try {
    const build = samples();
    const steps: Record<InformStep, Samples> = { refreshIdentity: samples(), changedParameters: samples(), informParameters: samples() };
    const toAcs = samples();
    const toBare = samples();
    const baseline = samples();
    let posts = 0;
    let informBytes = 0;
    for (let i = 0; i < WARMUP + SESSIONS; i++) {
      const keep = i >= WARMUP;
      const inform = await timed(keep ? build : undefined, () => informs.build());
      if (keep) {
        for (const [name, s] of Object.entries(steps) as [InformStep, Samples][]) {
          s.wall.push(informs.lastSteps[name].wall);
          s.cpu.push(informs.lastSteps[name].cpu);
        }
      }
      const xml = encode({ ns: NS_CWMP_1_2, header: { id: `bench-${i}` }, body: inform });
      informBytes = Buffer.byteLength(xml);
      // Rotate the order so that no variant always runs first (or right after a GC-heavy one).
      const variants = [
        () => timed(keep ? toAcs : undefined, async () => void (posts = await realSession(acs.url, inform))),
        () => timed(keep ? toBare : undefined, async () => void (await realSession(bare.url, inform))),
        () => timed(keep ? baseline : undefined, () => bareRoundTrip(bare.url, xml)),
      ];
      for (let k = 0; k < variants.length; k++) await variants[(i + k) % variants.length]();
    }
    const [acsStats, bareStats] = await Promise.all([acs.stats(), bare.stats()]);

    console.log(`### (a) one periodic session, ${SESSIONS} sessions each (after ${WARMUP} warm-up), interleaved\n`);
    console.log(`Inform: 2 PERIODIC from the real data model of this machine, ${informBytes} bytes of XML; ${posts} POSTs per session (Inform, empty POST).`);
    console.log('Servers run in child processes: the CPU column is the client side only.\n');
    const bw = median(baseline.wall);
    const bc = median(baseline.cpu);
    const row = (name: string, s: Samples, vsBase: boolean): string[] => [
      name,
      fmt(median(s.wall)),
      fmt(p99(s.wall)),
      fmt(median(s.cpu)),
      fmt(p99(s.cpu)),
      vsBase ? `${ratio(median(s.wall), bw)} / ${ratio(median(s.cpu), bc)}` : '',
    ];
    table(
      ['per session', 'wall median (ms)', 'wall p99 (ms)', 'CPU median (ms)', 'CPU p99 (ms)', 'median vs baseline (wall / CPU)'],
      [
        row('runSession + openHttpSession → test ACS', toAcs, true),
        row('runSession + openHttpSession → bare CWMP server', toBare, true),
        row('baseline: bare undici Client, same 2 POSTs → bare CWMP server', baseline, false),
        row('building the Inform as the daemon does (not in the rows above)', build, false),
        row('… of which model.refreshIdentity()', steps.refreshIdentity, false),
        row('… of which model.changedParameters() (pollChanges)', steps.changedParameters, false),
        row('… of which model.informParameters()', steps.informParameters, false),
      ],
    );
    console.log(
      `Test ACS: ${acsStats.ended}/${acsStats.sessions} sessions ended, ${acsStats.failed} failed, ` +
        `${acsStats.requests} requests; violations: ${acsStats.violations.length === 0 ? 'none' : acsStats.violations.join('; ')}. ` +
        `Bare server: ${bareStats.ended}/${bareStats.sessions} sessions, ${bareStats.requests} requests. ` +
        `Machine: ${loadBefore} at the start, ${loadNote()} at the end.\n`,
    );
  } finally {
    await Promise.all([acs.stop(), bare.stop(), informs.close()]);
  }
}

// ---- (b) idle RSS ----------------------------------------------------------------------------

interface IdleFigure {
  /** RSS IDLE_MS after the process is ready (the figure asked for). */
  rss: Rss;
  /** RSS SETTLED_MS after ready: V8's memory reducer has run by then (~8 s into idleness). */
  settled: Rss;
  /** CPU used between the two readings, ms per second of idleness. */
  idleCpuMsPerSec: number;
}

/** utime + stime of a process, ms (from /proc/<pid>/stat; clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** From "ready": RSS after IDLE_MS, then RSS and the CPU used until SETTLED_MS. */
async function idle(pid: number): Promise<IdleFigure> {
  await sleep(IDLE_MS);
  const rss = readRss(pid);
  const c0 = procCpuMs(pid);
  await sleep(SETTLED_MS - IDLE_MS);
  return { rss, settled: readRss(pid), idleCpuMsPerSec: (procCpuMs(pid) - c0) / ((SETTLED_MS - IDLE_MS) / 1000) };
}

const NO_NODE_OPTIONS = { ...process.env, NODE_OPTIONS: '' };

async function bareServerIdle(): Promise<IdleFigure> {
  const child = startChild(process.execPath, ['-e', BARE_SERVER], { env: NO_NODE_OPTIONS });
  try {
    await waitListening(child.proc.pid!); // the bare server prints nothing: look for its socket
    return await idle(child.proc.pid!);
  } finally {
    await child.stop();
  }
}

async function builtDaemonIdle(acsUrl: string, opts: { nodeFlags?: string[]; main?: string } = {}): Promise<IdleFigure> {
  const d = await startBuiltDaemon({ settings: { 'acs-url': acsUrl }, ...opts });
  try {
    const line = await d.waitForLine(SESSION_LINE, 60_000);
    if (!line.includes('"outcome":"ok"')) throw new Error(`the daemon's first session failed: ${line}`);
    return await idle(d.proc.pid!);
  } finally {
    await d.stop();
  }
}

async function tsxDaemonIdle(acsUrl: string): Promise<IdleFigure> {
  const dataDir = await tempDataDir();
  try {
    const d = await startDaemon({ dataDir, settings: { 'acs-url': acsUrl } });
    try {
      const line = await d.waitForLog(SESSION_LINE, 60_000);
      if (!line.includes('"outcome":"ok"')) throw new Error(`the daemon's first session failed: ${line}`);
      return await idle(d.proc.pid!);
    } finally {
      await d.kill();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * One child: the bare server plus `code` (ES module text run before it listens), then `use` (run
 * once it listens, with `port`), then idle: what the import and first use of a module cost.
 */
async function importIdle(code: string, use = ''): Promise<IdleFigure> {
  const script = `${code}
const http = await import('node:http');
const server = http.createServer((q, s) => s.end('ok'));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
${use}
process.stdout.write('ready\\n');`;
  const child = startChild(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: NO_NODE_OPTIONS });
  try {
    await child.waitForLine(/^ready$/, 60_000);
    return await idle(child.proc.pid!);
  } finally {
    await child.stop();
  }
}

function medianRss(list: Rss[]): Rss {
  return {
    vmRss: median(list.map((r) => r.vmRss)),
    rssAnon: median(list.map((r) => r.rssAnon)),
    rssFile: median(list.map((r) => r.rssFile)),
  };
}

function medianFigure(list: IdleFigure[]): IdleFigure {
  return {
    rss: medianRss(list.map((f) => f.rss)),
    settled: medianRss(list.map((f) => f.settled)),
    idleCpuMsPerSec: median(list.map((f) => f.idleCpuMsPerSec)),
  };
}

/** Runs every probe once per round (the probes of a round at the same time); all samples per probe. */
async function measureRounds(probes: (() => Promise<IdleFigure>)[]): Promise<IdleFigure[][]> {
  const all: IdleFigure[][] = probes.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const figures = await Promise.all(probes.map((p) => p()));
    figures.forEach((f, i) => all[i].push(f));
  }
  return all;
}

/** "min–max" of VmRSS at IDLE_MS / at SETTLED_MS over the samples, MiB. */
function spread(list: IdleFigure[]): string {
  const r = (xs: number[]) => `${mb(Math.min(...xs))}–${mb(Math.max(...xs))}`;
  return `${r(list.map((f) => f.rss.vmRss))} / ${r(list.map((f) => f.settled.vmRss))}`;
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);

const HTTP_GET = `await new Promise((r, j) => http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); res.on('end', r); }).on('error', j));`;
const UNDICI_GET = (mod: string): string =>
  `{ const c = new (${mod}).Client('http://127.0.0.1:' + port); const res = await c.request({ method: 'GET', path: '/' }); await res.body.text(); await c.close(); }`;
const DEEP = `const { createRequire } = await import('node:module'); const req = createRequire(process.cwd() + '/x.js');`;

/** One module each on top of the bare server (+ one node:http GET, the first row). */
const IMPORTS: { name: string; code: string; use?: string }[] = [
  { name: 'bare server + one node:http client GET', code: '', use: HTTP_GET },
  { name: "+ import('undici') (its index) + one Client GET", code: "const undici = await import('undici');", use: UNDICI_GET('undici') },
  {
    name: '+ undici deep imports (dispatcher/client, core/connect, api) + one Client GET',
    code:
      `${DEEP} const Client = req('undici/lib/dispatcher/client.js'); req('undici/lib/core/connect.js');` +
      ` Object.assign(req('undici/lib/dispatcher/dispatcher.js').prototype, req('undici/lib/api/index.js'));`,
    use: UNDICI_GET('{ Client }'),
  },
  {
    name: "+ require('tough-cookie') (as src/cjs.ts loads it) + one setCookie/getCookieString",
    code: `${DEEP} const { CookieJar } = req('tough-cookie');`,
    use: "{ const j = new CookieJar(); await j.setCookie('session=1', 'http://127.0.0.1/'); await j.getCookieString('http://127.0.0.1/'); }",
  },
  {
    name: "+ import('tough-cookie') instead (Node 20's ESM→CJS translation of tldts)",
    code: "const { CookieJar } = await import('tough-cookie');",
    use: "{ const j = new CookieJar(); await j.setCookie('session=1', 'http://127.0.0.1/'); await j.getCookieString('http://127.0.0.1/'); }",
  },
  {
    name: "+ require('pino') + one log line",
    code: `${DEEP} const { pino } = req('pino');`,
    use: "pino({}, pino.destination({ fd: 2, sync: true })).info('x');",
  },
  { name: '+ the generated TR-181 schema (dist loadSchema())', code: "globalThis.schema = (await import('./dist/src/datamodel/schema.js')).loadSchema();" },
  { name: '+ import of dist/src/cli/program.js (the CLI: commander, settings, store)', code: "await import('./dist/src/cli/program.js');" },
  { name: '+ import of dist/src/daemon/agent.js (all daemon code, not started)', code: "await import('./dist/src/daemon/agent.js');" },
];
const V8_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=32'];
const SWAPS: Swap[][] = [['tough-cookie']];
const SWAP_NAMES: Record<Swap, string> = { 'tough-cookie': 'a minimal cookie jar' };

async function idleRss(): Promise<void> {
  const acs = await startTestAcs();
  try {
    // One set of rounds for everything (the breakdown is printed only above target): two built
    // daemons per round (the main figure gets 2 × ROUNDS samples), the bare server, the tsx daemon,
    // then the breakdown's children. All children of a round run at the same time.
    const slims = await Promise.all(SWAPS.map((swaps) => makeSlimDist(swaps)));
    let samples: IdleFigure[][];
    try {
      samples = await measureRounds([
        () => bareServerIdle(),
        () => builtDaemonIdle(acs.url),
        () => builtDaemonIdle(acs.url),
        () => tsxDaemonIdle(acs.url),
        ...IMPORTS.map((item) => () => importIdle(item.code, item.use ?? '')),
        () => builtDaemonIdle(acs.url, { nodeFlags: V8_FLAGS }),
        ...slims.map((slim) => () => builtDaemonIdle(acs.url, { main: slim.main })),
      ]);
    } finally {
      await Promise.all(slims.map((slim) => slim.remove()));
    }
    const [bares, built1, built2, tsxs, ...breakdown] = samples;
    const builts = [...built1, ...built2];
    const [B, D, T] = [bares, builts, tsxs].map(medianFigure);
    const over = D.rss.vmRss / B.rss.vmRss;
    console.log(
      `### (b) idle memory ${IDLE_MS / 1000} s after ready (daemon: after its first session ended), and at ${SETTLED_MS / 1000} s; ` +
        `medians of ${ROUNDS} starts (built daemon: ${2 * ROUNDS})\n`,
    );
    const row = (name: string, f: IdleFigure, list: IdleFigure[]): string[] => [
      name,
      mb(f.rss.vmRss),
      spread(list),
      ratio(f.rss.vmRss, B.rss.vmRss),
      `${mb(f.rss.rssAnon)} (${ratio(f.rss.rssAnon, B.rss.rssAnon)})`,
      mb(f.rss.rssFile),
      `${mb(f.settled.vmRss)} (${ratio(f.settled.vmRss, B.settled.vmRss)})`,
      fmt(f.idleCpuMsPerSec),
    ];
    table(
      [
        'process',
        `VmRSS @${IDLE_MS / 1000} s (MiB)`,
        `range @${IDLE_MS / 1000} s / @${SETTLED_MS / 1000} s`,
        '× bare',
        'RssAnon (× bare)',
        'RssFile',
        `VmRSS @${SETTLED_MS / 1000} s (× bare)`,
        `idle CPU ${IDLE_MS / 1000}→${SETTLED_MS / 1000} s (ms/s)`,
      ],
      [
        row(`bare: node -e "${BARE_SERVER}"`, B, bares),
        row(`daemon, built: node ${BUILT_MAIN.slice(ROOT.length + 1)} run (main figure)`, D, builts),
        row('daemon under tsx (test/helpers/daemon.ts startDaemon)', T, tsxs),
      ],
    );
    console.log(`Main figure: ${ratio(D.rss.vmRss, B.rss.vmRss)} the bare server's VmRSS — target ≤ ${TARGET}×: ${over <= TARGET ? 'met' : 'NOT met'}.\n`);
    if (over <= TARGET) return;

    console.log(`#### Where the memory goes (medians of ${ROUNDS} rounds; daemon, built: the ${2 * ROUNDS} samples above)\n`);
    const samplesPerChild = [...breakdown.slice(0, IMPORTS.length), builts, ...breakdown.slice(IMPORTS.length)];
    const figures = samplesPerChild.map(medianFigure);
    // Floors (lowest reading over the runs): start-to-start variation only ever adds memory, and
    // comes in steps of several MiB, so a median of 3 can jump; the floor is the steadier figure.
    const floors = samplesPerChild.map((list) => Math.min(...list.map((f) => f.settled.vmRss)));
    const base = figures[0];
    const delta = (x: number, y: number): string => `${x >= y ? '+' : '−'}${mb(Math.abs(x - y))}`;
    const names = [
      ...IMPORTS.map((i) => i.name),
      'daemon, built',
      `daemon, built, node ${V8_FLAGS.join(' ')}`,
      ...SWAPS.map((swaps) => `daemon, built, with ${swaps.map((w) => SWAP_NAMES[w]).join(' and ')}`),
    ];
    const daemonAt = IMPORTS.length;
    table(
      [
        'child',
        `VmRSS @${IDLE_MS / 1000} s (MiB)`,
        `range @${IDLE_MS / 1000} s / @${SETTLED_MS / 1000} s`,
        `VmRSS @${SETTLED_MS / 1000} s`,
        'Δ vs first row',
        `floor @${SETTLED_MS / 1000} s`,
        'Δ floor vs first row',
        'Δ floor vs daemon, built',
      ],
      figures.map((f, i) => [
        names[i],
        mb(f.rss.vmRss),
        spread(samplesPerChild[i]),
        mb(f.settled.vmRss),
        delta(f.settled.vmRss, base.settled.vmRss),
        mb(floors[i]),
        delta(floors[i], floors[0]),
        i >= daemonAt ? delta(floors[i], floors[daemonAt]) : '',
      ]),
    );
    console.log(
      'Stand-in (bench/helpers/slim/, swapped into a temp copy of dist): tough-cookie → a 50-line name/value jar with expiry (the ' +
        'transport ignores Path/Domain anyway, so the public-suffix list of tldts buys nothing). RSS of a Node process ' +
        'varies by a few MiB from start to start (allocation peaks, malloc arenas): read small deltas with care.\n',
    );
  } finally {
    await acs.close();
  }
}

export async function run(): Promise<void> {
  await sessionTimes();
  await idleRss();
}
