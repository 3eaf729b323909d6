import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableFile } from '../../src/store/durable-file.js';
const dir = mkdtempSync(join(tmpdir(), 'lockrepro-'));
const a = new DurableFile(join(dir, 'settings.json'), () => ({ n: 0 }));
const b = new DurableFile(join(dir, 'state.json'), () => ({ n: 0 }));
const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r = await Promise.allSettled([
  a.update(async (v) => { await slow(50); return { n: v.n + 1 }; }),
  b.update(async (v) => { await slow(100); return { n: v.n + 1 }; }),
]);
console.log(r.map((x) => x.status === 'rejected' ? String(x.reason) : 'ok'));
console.log('leftover locks:', existsSync(join(dir, 'settings.json.lock')), existsSync(join(dir, 'state.json.lock')));
const t0 = Date.now();
try { await b.update((v) => v); console.log('third update ok after', Date.now() - t0, 'ms'); } catch (e) { console.log('third update failed after', Date.now() - t0, 'ms:', String(e)); }
