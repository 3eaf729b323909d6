// Download client: throughput of downloadToFile (src/transfers/http-download.ts) beside curl on the
// same 200 MB file over loopback HTTP and HTTPS, in the same run; and its peak RSS for a 200 MB
// vs a 20 MB download (streaming: memory must not grow with the file). `node --import tsx bench/index.ts transfers`.
//
// The file server runs in its own process (plain node:http/https, createReadStream) so neither
// side's memory or CPU pollutes the other. Each of our downloads runs in a fresh child process so
// its peak RSS (VmHWM) belongs to that download alone. Ours fsyncs the file before reporting
// success and curl does not, so to compare like with like the bench fsyncs curl's file right after
// curl exits and the ratio is against curl + fsync; curl alone is shown too. Runs alternate
// ours/curl and the median of RUNS is reported (the machine is shared: medians, not bests).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, median, ratio, table } from './helpers/stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIG_MB = 200;
const SMALL_MB = 20;
const RUNS = 7;
const MEM_RUNS = 3;

const SERVER_JS = `
const http = require('node:http'), https = require('node:https'), fs = require('node:fs'), path = require('node:path');
const [dir, key, cert] = process.argv.slice(1);
const handler = (req, res) => {
  const p = path.join(dir, path.basename(req.url));
  fs.stat(p, (err, st) => {
    if (err) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    fs.createReadStream(p, { highWaterMark: 256 * 1024 }).pipe(res);
  });
};
const a = http.createServer(handler).listen(0, '127.0.0.1', () => {
  const b = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler).listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ http: a.address().port, https: b.address().port }) + '\\n');
  });
});
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

// Run in a fresh process per download: prints {ms, size, hwmKb} as JSON.
const CLIENT_TS = `
import { readFileSync } from 'node:fs';
import { downloadToFile } from '@MODULE@';
const [url, dir, caFile] = process.argv.slice(-3);
const cpu = process.cpuUsage();
const t = performance.now();
const f = await downloadToFile({ url, dir }, caFile === '-' ? {} : { caFile });
const ms = performance.now() - t;
const used = process.cpuUsage(cpu);
const hwm = Number(/^VmHWM:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const rss = Number(/^VmRSS:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, size: f.size, hwmKb: hwm, rssKb: rss }) + '\\n');
`;

async function makeFile(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    chunk[0] = i & 0xff; // not all chunks identical
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
}

function exec(cmd: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

interface Ours {
  ms: number;
  /** user + system CPU time of the download (all threads of the process). */
  cpuMs: number;
  size: number;
  hwmKb: number;
  rssKb: number;
}

async function ours(url: string, dir: string, caFile: string | undefined): Promise<Ours> {
  const out = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', clientScript, url, dir, caFile ?? '-'], ROOT);
  const r = JSON.parse(out.trim().split('\n').pop()!) as Ours;
  await rm(dir, { recursive: true, force: true });
  return r;
}

/** curl's time, and the fsync of its file afterwards (what ours does before it reports success). */
async function curl(url: string, target: string, caFile: string | undefined): Promise<{ ms: number; syncMs: number }> {
  const args = ['-s', '-f', '-o', target, ...(caFile ? ['--cacert', caFile] : []), url];
  const t = performance.now();
  await exec('curl', args);
  const ms = performance.now() - t;
  const fh = await open(target, 'r+');
  await fh.sync();
  const syncMs = performance.now() - t - ms;
  await fh.close();
  await rm(target, { force: true });
  return { ms, syncMs };
}

const clientScript = CLIENT_TS.replace('@MODULE@', pathToFileURL(join(ROOT, 'src', 'transfers', 'http-download.ts')).href);

const mbps = (bytes: number, ms: number): number => bytes / 1024 / 1024 / (ms / 1000);

export async function run(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tr069-bench-xfer-'));
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const big = join(work, 'big.bin');
    const small = join(work, 'small.bin');
    await makeFile(big, BIG_MB);
    await makeFile(small, SMALL_MB);
    await writeFile(join(work, 'tiny.bin'), randomBytes(1024));
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    server = spawn(process.execPath, ['-e', SERVER_JS, join(work), key, cert], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ports = await new Promise<{ http: number; https: number }>((resolve, reject) => {
      server!.stdout!.once('data', (b: Buffer) => resolve(JSON.parse(b.toString()) as { http: number; https: number }));
      server!.once('exit', () => reject(new Error('file server exited')));
    });
    const size = (await stat(big)).size;

    const rows: string[][] = [];
    for (const scheme of ['http', 'https'] as const) {
      const url = `${scheme}://127.0.0.1:${ports[scheme]}/big.bin`;
      const ca = scheme === 'https' ? cert : undefined;
      const oursMs: number[] = [];
      const oursCpu: number[] = [];
      const curlMs: number[] = [];
      const curlSyncMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await ours(url, await mkdtemp(join(work, 'dl-')), ca);
        if (r.size !== size) throw new Error(`ours downloaded ${r.size} of ${size} bytes`);
        oursMs.push(r.ms);
        oursCpu.push(r.cpuMs);
        const c = await curl(url, join(work, 'curl.out'), ca);
        curlMs.push(c.ms);
        curlSyncMs.push(c.ms + c.syncMs);
      }
      const o = median(oursMs);
      const c = median(curlMs);
      const cs = median(curlSyncMs);
      rows.push([
        scheme.toUpperCase(),
        fmt(mbps(size, o), 'MB/s'),
        fmt(mbps(size, cs), 'MB/s'),
        fmt(mbps(size, c), 'MB/s'),
        ratio(cs, o),
        ratio(c, o),
        fmt(median(oursCpu), 'ms'),
      ]);
    }
    console.log(
      `Download of a ${BIG_MB} MB file over loopback, ${RUNS} alternating runs each, medians. Ours includes ` +
        `its fsync; "curl + fsync" is curl's time plus an fsync of its file, timed by the bench:\n`,
    );
    table(['scheme', 'ours', 'curl + fsync', 'curl alone', 'ours / (curl + fsync)', 'ours / curl alone', 'ours CPU'], rows);

    const mem: string[][] = [];
    let baseline = 0;
    for (const [name, label] of [['tiny.bin', '1 KB (start-up only)'], ['small.bin', `${SMALL_MB} MB`], ['big.bin', `${BIG_MB} MB`]] as const) {
      const peaks: number[] = [];
      for (let i = 0; i < MEM_RUNS; i++) {
        const r = await ours(`http://127.0.0.1:${ports.http}/${name}`, await mkdtemp(join(work, 'dl-')), undefined);
        peaks.push(r.hwmKb / 1024);
      }
      const peak = median(peaks);
      if (name === 'tiny.bin') baseline = peak;
      mem.push([label, fmt(peak, 'MB'), name === 'tiny.bin' ? '' : `+${fmt(peak - baseline, 'MB')}`]);
    }
    console.log(`Peak RSS (VmHWM) of a fresh node+tsx process doing one HTTP download, median of ${MEM_RUNS}:\n`);
    table(['file', 'peak RSS', 'above start-up'], mem);
  } finally {
    server?.stdin?.end();
    server?.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}
