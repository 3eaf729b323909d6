// A scripted CwmpTransport: each POST takes the next scripted ACS reply (or error) and is recorded.
import type { CwmpTransport, HttpReply } from '../../src/transport/types.js';

export type Scripted = HttpReply | Error | ((body: string | null) => HttpReply | Error);

export class FakeTransport implements CwmpTransport {
  readonly posts: (string | null)[] = [];
  closed = 0;
  /** Called at each POST, before the reply is chosen (to check what happened before it). */
  onPost?: (body: string | null, index: number) => void;

  constructor(private readonly script: Scripted[]) {}

  async post(body: string | null): Promise<HttpReply> {
    if (this.closed > 0) throw new Error('post after close');
    this.posts.push(body);
    this.onPost?.(body, this.posts.length - 1);
    const next = this.script.shift();
    if (next === undefined) throw new Error(`the script has no reply for POST #${this.posts.length}`);
    const r = typeof next === 'function' ? next(body) : next;
    if (r instanceof Error) throw r;
    return r;
  }

  localAddress(): string | undefined {
    return '127.0.0.1';
  }

  async close(): Promise<void> {
    this.closed++;
  }

  get unused(): number {
    return this.script.length;
  }
}

export function ok(body: string, extra: Partial<HttpReply> = {}): HttpReply {
  return { status: 200, headers: { 'content-type': 'text/xml; charset="utf-8"' }, body, ...extra };
}

export const NO_CONTENT_REPLY: HttpReply = { status: 204, headers: { connection: 'close' }, body: '' };
