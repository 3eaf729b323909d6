// Upload: sends a file (the configuration export or the recent log) with HTTP PUT — what
// GenieACS's file server and curl --upload-file expect — and falls back to POST once when the
// server answers 405/501. Basic/Digest on a 401 challenge; 9012 when refused, 9015 when the server
// cannot be reached, 9011 for any other failure.
import { open } from 'node:fs/promises';
import { FAULT, TransferFault, duration } from './faults.js';
import { HTTP_DEFAULTS, abortError, exchange, makeAgent, type HttpTransferOptions } from './http-common.js';

export interface UploadSpec {
  url: string;
  username?: string;
  password?: string;
  body: Buffer;
  contentType?: string;
  signal?: AbortSignal;
}

export async function uploadBuffer(spec: UploadSpec, opts: HttpTransferOptions = {}): Promise<void> {
  const totalMs = opts.totalTimeoutMs ?? HTTP_DEFAULTS.totalTimeoutMs;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new TransferFault(FAULT.uploadFailure, `upload did not finish within ${duration(totalMs)}`)),
    totalMs,
  );
  const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
  const agent = await makeAgent(opts);
  const host = new URL(spec.url).host;
  try {
    for (const method of ['PUT', 'POST'] as const) {
      const { res } = await exchange({
        agent,
        method,
        url: spec.url,
        username: spec.username ?? '',
        password: spec.password ?? '',
        headers: { 'content-type': spec.contentType ?? 'application/octet-stream' },
        body: spec.body,
        signal,
        maxRedirects: opts.maxRedirects ?? HTTP_DEFAULTS.maxRedirects,
        redirectStatuses: [307, 308], // the only redirects that keep the method and body
        userAgent: opts.userAgent ?? HTTP_DEFAULTS.userAgent,
      });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      if (method === 'PUT' && (res.statusCode === 405 || res.statusCode === 501)) continue;
      throw new TransferFault(FAULT.uploadFailure, `${host} answered HTTP ${res.statusCode} to the ${method}`);
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof TransferFault)) throw abortError(signal);
    throw err;
  } finally {
    clearTimeout(timer);
    await agent.destroy(null).catch(() => undefined);
  }
}

/** The last maxBytes of a log file (starting at a line boundary when it is cut). */
export async function readLogTail(path: string, maxBytes: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new TransferFault(FAULT.uploadFailure, `cannot read the log file: ${(err as Error).message}`);
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    let data = buf.subarray(0, bytesRead);
    if (start > 0) {
      const nl = data.indexOf(0x0a);
      if (nl >= 0) data = data.subarray(nl + 1);
    }
    return data;
  } finally {
    await fh.close();
  }
}
