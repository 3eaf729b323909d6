// Drives one CWMP session: carries out the pure machine's effects (POST through the transport, hand ACS
// requests to the RPC dispatcher, report acknowledgements) and feeds the results back until it is done.
// Message bodies are never logged: Download/Upload requests carry passwords.
import { randomBytes } from 'node:crypto';
import { monotonicMs } from '../clock.js';
import { decode as codecDecode, encode as codecEncode } from '../cwmp/index.js';
import type { AcsRequest, CpeResponse, DecodeLimits, DecodeResult, Envelope, Fault, FaultStruct, Inform } from '../cwmp/types.js';
import type { CwmpTransport, HttpReply } from '../transport/types.js';
import {
  cwmpFault,
  startSession,
  transition,
  type CpeRequestDisposition,
  type Effect,
  type QueuedCpeRequest,
  type SessionEvent,
  type Step,
} from './machine.js';

/** The part of a pino logger the runner uses (pino loggers fit as they are). */
export interface SessionLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RunSessionOptions {
  transport: CwmpTransport;
  inform: Inform;
  cpeRequests?: readonly QueuedCpeRequest[];
  /** The RPC dispatcher. A throw becomes fault 9002 (Internal error). */
  handleRequest: (req: AcsRequest) => Promise<CpeResponse | Fault>;
  encode?: (env: Envelope) => string;
  decode?: (text: string, limits?: DecodeLimits) => DecodeResult;
  decodeLimits?: DecodeLimits;
  log?: SessionLogger;
  /**
   * Sees every SOAP body sent and received (verbose tracing). Bodies may hold passwords (Download,
   * SetParameterValues): redact before writing them anywhere.
   */
  trace?: (direction: 'sent' | 'received', body: string) => void;
  sessionTimeoutSec?: number;
  maxMessages?: number;
  /** Names the session in logs and prefixes our cwmp:IDs; default 8 random hex digits. */
  sessionId?: string;
  /** Monotonic milliseconds, for durationMs. */
  now?: () => number;
  /** Awaited before the session goes on: persist the event queue change here. A throw fails the session. */
  onInformAcknowledged?: () => void | Promise<void>;
  onCpeRequestAcknowledged?: (index: number) => void | Promise<void>;
  onCpeRequestFailed?: (index: number, fault: FaultStruct, disposition: CpeRequestDisposition) => void | Promise<void>;
}

export interface SessionOutcome {
  sessionId: string;
  ok: boolean;
  error?: string;
  retryAfterSeconds?: number;
  /** Methods of the ACS requests answered, in order (unknown ones by their element name). */
  rpcs: string[];
  /** POSTs sent. */
  messages: number;
  durationMs: number;
  informAcknowledged: boolean;
  acknowledgedCpeRequests: number[];
  /** CPE requests the ACS asked us to retry in a later session (fault 8005). */
  deferredCpeRequests: number[];
  /** CPE requests the ACS refused for good (fault 8000/8001): drop them and their events. */
  droppedCpeRequests: number[];
}

const MAX_DETAIL_CHARS = 200;

export async function runSession(opts: RunSessionOptions): Promise<SessionOutcome> {
  const encode = opts.encode ?? codecEncode;
  const decode = opts.decode ?? codecDecode;
  const now = opts.now ?? monotonicMs;
  const started = now();
  const sessionId = opts.sessionId ?? randomBytes(4).toString('hex');
  const log = (level: 'debug' | 'info' | 'warn', fields: object, msg: string): void =>
    opts.log?.[level]({ session: sessionId, ...fields }, msg);
  const outcome: SessionOutcome = {
    sessionId,
    ok: false,
    rpcs: [],
    messages: 0,
    durationMs: 0,
    informAcknowledged: false,
    acknowledgedCpeRequests: [],
    deferredCpeRequests: [],
    droppedCpeRequests: [],
  };

  try {
    let step: Step = startSession({
      inform: opts.inform,
      cpeRequests: opts.cpeRequests,
      sessionTimeoutSec: opts.sessionTimeoutSec,
      maxMessages: opts.maxMessages,
      idPrefix: sessionId,
    });
    // Every batch of effects ends with at most one action (send/handle) whose result is the next event.
    for (;;) {
      let nextEvent: SessionEvent | undefined;
      for (const effect of step.effects) {
        const ev = await carryOut(effect);
        if (ev !== undefined) nextEvent = ev;
      }
      outcome.messages = step.state.messages;
      if (step.state.status === 'done' || step.state.status === 'failed') break;
      if (nextEvent === undefined) throw new Error(`session machine stalled in ${step.state.status}`);
      step = transition(step.state, nextEvent);
    }
  } catch (err) {
    outcome.ok = false;
    outcome.error = `session aborted: ${(err as Error).message}`;
    log('warn', { err: (err as Error).message }, 'CWMP session aborted');
  } finally {
    try {
      await opts.transport.close();
    } catch (err) {
      log('debug', { err: (err as Error).message }, 'closing the ACS connection failed');
    }
  }
  outcome.durationMs = Math.max(0, now() - started);
  return outcome;

  async function carryOut(effect: Effect): Promise<SessionEvent | undefined> {
    switch (effect.type) {
      case 'send':
        return send(effect.envelope);
      case 'handle':
        return { type: 'handled', response: await handle(effect.request, effect.id) };
      case 'inform-acknowledged':
        outcome.informAcknowledged = true;
        log('debug', {}, 'InformResponse received');
        await opts.onInformAcknowledged?.();
        return undefined;
      case 'cpe-request-acknowledged':
        outcome.acknowledgedCpeRequests.push(effect.index);
        log('debug', { index: effect.index, method: effect.method }, 'ACS acknowledged our request');
        await opts.onCpeRequestAcknowledged?.(effect.index);
        return undefined;
      case 'cpe-request-failed':
        (effect.disposition === 'drop' ? outcome.droppedCpeRequests : outcome.deferredCpeRequests).push(effect.index);
        log('warn', { index: effect.index, faultCode: effect.fault.faultCode, disposition: effect.disposition }, 'ACS answered our request with a fault');
        await opts.onCpeRequestFailed?.(effect.index, effect.fault, effect.disposition);
        return undefined;
      case 'answered':
        outcome.rpcs.push(effect.method);
        log('debug', { method: effect.method, id: effect.id, faultCode: effect.faultCode }, 'answering ACS request');
        return undefined;
      case 'warn':
        log('warn', {}, effect.message);
        return undefined;
      case 'done':
        outcome.ok = effect.ok;
        if (!effect.ok) {
          outcome.error = effect.error;
          if (effect.retryAfterSeconds !== undefined) outcome.retryAfterSeconds = effect.retryAfterSeconds;
          log('info', { error: effect.error }, 'CWMP session failed');
        } else {
          log('debug', {}, 'CWMP session ended');
        }
        return undefined;
    }
  }

  async function handle(request: AcsRequest, id: string | undefined): Promise<CpeResponse | Fault> {
    log('debug', { method: request.method, id }, 'ACS request');
    try {
      return await opts.handleRequest(request);
    } catch (err) {
      log('warn', { method: request.method, err: (err as Error).message }, 'RPC handler threw; answering fault 9002');
      return cwmpFault(9002, 'Internal error');
    }
  }

  async function send(envelope: Envelope | null): Promise<SessionEvent> {
    let body: string | null = null;
    if (envelope !== null) {
      try {
        body = encode(envelope);
      } catch (err) {
        // A response we cannot encode (a handler bug) still owes the ACS an answer under the same ID.
        if (envelope.body.method === 'Fault' || !envelope.body.method.endsWith('Response')) throw err;
        log('warn', { method: envelope.body.method, err: (err as Error).message }, 'cannot encode response; answering fault 9002');
        body = encode({ ...envelope, body: cwmpFault(9002, 'Internal error') });
      }
    }
    if (body !== null) opts.trace?.('sent', body);
    let reply: HttpReply;
    try {
      reply = await opts.transport.post(body);
    } catch (err) {
      const e = err as Error & { retryAfterSeconds?: number };
      return { type: 'transport-error', error: { message: e.message, retryAfterSeconds: e.retryAfterSeconds } };
    }
    if (reply.body !== '') opts.trace?.('received', reply.body);
    const ev: SessionEvent = { type: 'reply', status: reply.status };
    if (reply.retryAfterSeconds !== undefined) ev.retryAfterSeconds = reply.retryAfterSeconds;
    if (reply.status === 200) {
      // An empty 200 ends the ACS's requests like a 204 (interop-notes §9).
      ev.decoded = reply.body.trim() === '' ? { ok: true, envelope: null } : decode(reply.body, opts.decodeLimits);
    }
    else if (reply.status !== 204) {
      const detail = shortDetail(reply.body);
      if (detail !== undefined) ev.detail = detail;
    }
    return ev;
  }
}

/** A one-line plain-text explanation from an error body (not HTML/XML), trimmed and bounded. */
function shortDetail(body: string): string | undefined {
  const text = body.trim();
  if (text === '' || text.startsWith('<')) return undefined;
  const line = text.split(/\r?\n/, 1)[0].replace(/[^\x20-\x7e]/g, '?');
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS)}…` : line;
}

