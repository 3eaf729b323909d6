// The CWMP session as a pure state machine: it decides what to POST next and what the caller must do,
// but performs no I/O, reads no clock and starts no timer. The runner (runner.ts) feeds it events and
// carries out its effects. Rules: TR-069 §3.7 as digested in shared/spec/cwmp-cpe.md §3.3, §6b, §7.4.
//
//  (start) ── POST Inform (cwmp-1-2, ID, SessionTimeout, SupportedCWMPVersions) ──► informing
//
//  informing ────── InformResponse (fixes the namespace) ─────────────────────────► NEXT(reply)
//  cpe-request ──── its …Response, or ACS fault 8000/8001 (drop) / 8005 (keep) ────► NEXT(reply)
//  held ─────────── empty reply (204 or empty 200: clears HoldRequests) ───────────► NEXT(empty)
//  responded ────── empty reply ───────────────────────────────────────────────────► NEXT(empty)
//  empty-post-sent ─ empty reply ──────────────────────────────────────────────────► done
//
//  any of the five waiting states above:
//     ── ACS request ─────────────── handle ──► handling ── handler result, POST it ──► responded
//     ── unknown / CPE-only method ─ POST fault 9000 (same cwmp:ID) ─────────────────► responded
//     ── request with bad arguments ─ POST fault 9003 (same cwmp:ID) ────────────────► responded
//     ── HTTP status ≠ 200/204, unreadable body, transport error, fault to the Inform,
//        other ACS fault, unexpected message, empty reply while a request of ours is
//        unanswered, message cap reached ─────────────────────────────────────────────► failed
//
//  NEXT(reply) — a reply without a request (HoldRequests taken from its header):
//     CPE requests left and HoldRequests false ── POST the next one ──► cpe-request
//     HoldRequests true ───────────────────────── POST empty ─────────► held
//     otherwise ───────────────────────────────── POST empty (final) ─► empty-post-sent
//  NEXT(empty) — the ACS has nothing more to say (HoldRequests now false):
//     CPE requests left and no final empty POST yet ── POST the next one ──► cpe-request
//     otherwise ───────────────────────────────────────────────────────────► done
//
// Once the final empty POST is out (HoldRequests false) no CPE request is sent again in this session.
import {
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  NS_CWMP_1_3,
  NS_CWMP_1_4,
  type AcsRequest,
  type AcsResponse,
  type CpeRequest,
  type CpeResponse,
  type CwmpNamespace,
  type DecodeError,
  type DecodeResult,
  type Envelope,
  type Fault,
  type FaultStruct,
  type Header,
  type Inform,
  type Message,
} from '../cwmp/types.js';

/** The CPE requests a session may carry after the Inform. */
export type QueuedCpeRequest = Exclude<CpeRequest, Inform>;

export const DEFAULT_MAX_MESSAGES = 10_000;
export const DEFAULT_SESSION_TIMEOUT_SEC = 60;
export const SUPPORTED_CWMP_VERSIONS = '1.0,1.1,1.2,1.3,1.4';

export interface SessionConfig {
  inform: Inform;
  cpeRequests?: readonly QueuedCpeRequest[];
  /** Advertised in the Inform's SessionTimeout header: how long we wait for each ACS reply. */
  sessionTimeoutSec?: number;
  /** POSTs allowed in one session, so a looping ACS cannot keep us forever. */
  maxMessages?: number;
  /** Prefix of the cwmp:IDs we put on our requests ("<prefix>-1", "<prefix>-2", …). */
  idPrefix?: string;
}

export type SessionStatus =
  | 'informing' // Inform posted, InformResponse not yet received
  | 'cpe-request' // a CPE request posted, waiting for its response
  | 'held' // empty POST sent while HoldRequests=true; CPE requests may still follow
  | 'empty-post-sent' // the final empty POST sent; CPE requests are over for this session
  | 'handling' // an ACS request is with the RPC handler
  | 'responded' // our answer to an ACS request posted, waiting for the next ACS message
  | 'done'
  | 'failed';

/** A request of ours still waiting for the ACS's response; index -1 is the Inform. */
interface Outstanding {
  index: number;
  method: CpeRequest['method'];
  id: string;
}

export interface SessionState {
  readonly status: SessionStatus;
  readonly config: Readonly<Required<SessionConfig>>;
  /** Namespace of our next message. */
  readonly ns: CwmpNamespace;
  /** True once the InformResponse chose the namespace for the rest of the session. */
  readonly nsFixed: boolean;
  readonly holdRequests: boolean;
  readonly informAcknowledged: boolean;
  /** The final empty POST (HoldRequests false) has been sent. */
  readonly cpeRequestsOver: boolean;
  readonly outstanding: Outstanding | null;
  /** The ACS request with the handler: its cwmp:ID (undefined when it had none) and method. */
  readonly handling: { id: string | undefined; method: AcsRequest['method'] } | null;
  /** Index of the next CPE request to send. */
  readonly nextCpeRequest: number;
  /** POSTs sent so far. */
  readonly messages: number;
  readonly nextIdNumber: number;
}

export type CpeRequestDisposition = 'retry-later' | 'drop';

export type Effect =
  | { type: 'send'; envelope: Envelope | null }
  | { type: 'handle'; request: AcsRequest; id: string | undefined }
  | { type: 'inform-acknowledged' }
  | { type: 'cpe-request-acknowledged'; index: number; method: QueuedCpeRequest['method'] }
  | { type: 'cpe-request-failed'; index: number; fault: FaultStruct; disposition: CpeRequestDisposition }
  /** An ACS request answered in the POST being sent (faultCode set when we answered with a fault). */
  | { type: 'answered'; method: string; id: string | undefined; faultCode?: number }
  | { type: 'warn'; message: string }
  | { type: 'done'; ok: true }
  | { type: 'done'; ok: false; error: string; retryAfterSeconds?: number };

export type SessionEvent =
  | {
      type: 'reply';
      status: number;
      /** The decoded body of a 200 reply; ignored for other statuses. */
      decoded?: DecodeResult;
      retryAfterSeconds?: number;
      /** A short text from a non-2xx body (GenieACS explains its 400s there). */
      detail?: string;
    }
  | { type: 'handled'; response: CpeResponse | Fault }
  | { type: 'transport-error'; error: { message: string; retryAfterSeconds?: number } };

export interface Step {
  state: SessionState;
  effects: Effect[];
}

// ---- method tables -------------------------------------------------------------------------

const ACS_REQUEST_METHODS: Record<AcsRequest['method'], true> = {
  GetRPCMethods: true,
  SetParameterValues: true,
  GetParameterValues: true,
  GetParameterNames: true,
  SetParameterAttributes: true,
  GetParameterAttributes: true,
  AddObject: true,
  DeleteObject: true,
  Reboot: true,
  Download: true,
  Upload: true,
  FactoryReset: true,
  ScheduleInform: true,
  ScheduleDownload: true,
  CancelTransfer: true,
  GetQueuedTransfers: true,
  GetAllQueuedTransfers: true,
  ChangeDUState: true,
};

/** The response the ACS owes to each of our requests. */
const RESPONSE_TO: Record<CpeRequest['method'], AcsResponse['method']> = {
  Inform: 'InformResponse',
  TransferComplete: 'TransferCompleteResponse',
  AutonomousTransferComplete: 'AutonomousTransferCompleteResponse',
  GetRPCMethods: 'GetRPCMethodsResponse',
  RequestDownload: 'RequestDownloadResponse',
  Kicked: 'KickedResponse',
};

const ACS_RESPONSE_METHODS = new Set<string>(Object.values(RESPONSE_TO));
const CPE_ONLY_REQUESTS = new Set<string>(['Inform', 'TransferComplete', 'AutonomousTransferComplete', 'RequestDownload', 'Kicked']);
const CPE_RESPONSE_SUFFIX = 'Response';

export function isAcsRequest(body: Message): body is AcsRequest {
  return Object.hasOwn(ACS_REQUEST_METHODS, body.method);
}

// ---- namespaces ----------------------------------------------------------------------------

/** cwmp-1-3/1-4 are non-standard spellings of the cwmp-1-2 namespace: never sent. */
export function sendableNamespace(ns: CwmpNamespace): CwmpNamespace {
  return ns === NS_CWMP_1_3 || ns === NS_CWMP_1_4 ? NS_CWMP_1_2 : ns;
}

/** The namespace for a UseCWMPVersion value such as "1.4"; undefined when we do not know it. */
export function namespaceForVersion(version: string): CwmpNamespace | undefined {
  const v = version.trim();
  if (v === '1.0') return NS_CWMP_1_0;
  if (v === '1.1') return NS_CWMP_1_1;
  if (v === '1.2' || v === '1.3' || v === '1.4') return NS_CWMP_1_2;
  return undefined;
}

// ---- faults --------------------------------------------------------------------------------

export function cwmpFault(faultCode: number, faultString: string, faultcode: 'Client' | 'Server' = 'Server'): Fault {
  return { method: 'Fault', faultcode, faultstring: 'CWMP fault', faultCode, faultString };
}

const MAX_QUOTE_CHARS = 200;

/** Network text quoted in an error sentence: one line, printable, bounded. */
function quote(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const line = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return line.length > MAX_QUOTE_CHARS ? `${line.slice(0, MAX_QUOTE_CHARS)}…` : line;
}

function describeFault(f: Fault): string {
  const text = quote(f.faultString ?? '');
  return text ? `fault ${f.faultCode} (${text})` : `fault ${f.faultCode}`;
}

/** What to do with a CPE request the ACS answered with a fault (cwmp-cpe.md §6b, §7.4). */
function dispositionFor(faultCode: number): CpeRequestDisposition | 'fail' {
  if (faultCode === 8005) return 'retry-later';
  if (faultCode === 8000 || faultCode === 8001) return 'drop';
  return 'fail';
}

// ---- the machine ---------------------------------------------------------------------------

/** Starts a session: the first effect is the POST of the Inform. */
export function startSession(config: SessionConfig): Step {
  const cfg: Required<SessionConfig> = {
    inform: config.inform,
    cpeRequests: config.cpeRequests ?? [],
    sessionTimeoutSec: config.sessionTimeoutSec ?? DEFAULT_SESSION_TIMEOUT_SEC,
    maxMessages: config.maxMessages ?? DEFAULT_MAX_MESSAGES,
    idPrefix: config.idPrefix ?? 'cpe',
  };
  const state: SessionState = {
    status: 'informing',
    config: cfg,
    ns: NS_CWMP_1_2,
    nsFixed: false,
    holdRequests: false,
    informAcknowledged: false,
    cpeRequestsOver: false,
    outstanding: null,
    handling: null,
    nextCpeRequest: 0,
    messages: 0,
    nextIdNumber: 1,
  };
  const id = `${cfg.idPrefix}-${state.nextIdNumber}`;
  const header: Header = {
    id,
    sessionTimeout: cfg.sessionTimeoutSec,
    supportedCwmpVersions: SUPPORTED_CWMP_VERSIONS,
  };
  return post({ ...state, nextIdNumber: state.nextIdNumber + 1, outstanding: { index: -1, method: 'Inform', id } }, [], 'informing', {
    ns: NS_CWMP_1_2,
    header,
    body: cfg.inform,
  });
}

/** Feeds one event; returns the next state and the effects to carry out, in order. */
export function transition(state: SessionState, event: SessionEvent): Step {
  if (state.status === 'done' || state.status === 'failed') {
    throw new Error(`session is over (${state.status}); no further events expected, got ${event.type}`);
  }
  if (event.type === 'handled') {
    if (state.status !== 'handling') throw new Error(`'handled' event while ${state.status}`);
    return onHandled(state, event.response);
  }
  if (state.status === 'handling') throw new Error(`'${event.type}' event while the handler is running`);
  if (event.type === 'transport-error') {
    return fail(state, [], event.error.message, event.error.retryAfterSeconds);
  }
  return onReply(state, event);
}

function onReply(state: SessionState, reply: Extract<SessionEvent, { type: 'reply' }>): Step {
  if (reply.status !== 200 && reply.status !== 204) {
    const detail = reply.detail ? `: ${reply.detail}` : '';
    return fail(state, [], `ACS answered HTTP ${reply.status} to ${whatWeSent(state)}${detail}`, reply.retryAfterSeconds);
  }
  const decoded: DecodeResult = reply.status === 204 ? { ok: true, envelope: null } : (reply.decoded ?? { ok: true, envelope: null });
  if (!decoded.ok) return onUndecodable(state, decoded.error);
  const env = decoded.envelope;
  if (env === null) return onEmptyReply(state);

  let s: SessionState = { ...state, holdRequests: env.header.holdRequests ?? false };
  // Until the InformResponse fixes it, answer in the namespace the ACS speaks.
  if (!s.nsFixed) s = { ...s, ns: sendableNamespace(env.ns) };
  const body = env.body;
  const effects: Effect[] = [];

  if (isAcsRequest(body)) {
    return {
      state: { ...s, status: 'handling', handling: { id: env.header.id, method: body.method } },
      effects: [{ type: 'handle', request: body, id: env.header.id }],
    };
  }
  if (body.method === 'Unknown') {
    return answer(s, effects, env.header.id, body.name, cwmpFault(9000, `Method not supported: ${body.name}`));
  }
  if (CPE_ONLY_REQUESTS.has(body.method)) {
    return answer(s, effects, env.header.id, body.method, cwmpFault(9000, `Method not supported: ${body.method} is sent by a CPE, not an ACS`));
  }

  const out = s.outstanding;
  if (body.method === 'Fault') {
    if (out === null) return fail(s, effects, `ACS sent ${describeFault(body)} in reply to ${whatWeSent(s)}`);
    if (out.index === -1) return fail(s, effects, `ACS answered the Inform with ${describeFault(body)}`);
    const disposition = dispositionFor(body.faultCode);
    const fault: FaultStruct = { faultCode: body.faultCode, faultString: body.faultString };
    effects.push({ type: 'cpe-request-failed', index: out.index, fault, disposition: disposition === 'fail' ? 'retry-later' : disposition });
    if (disposition === 'fail') return fail(s, effects, `ACS answered our ${out.method} with ${describeFault(body)}`);
    return next(withIdCheck({ ...s, outstanding: null }, effects, env.header.id, out), effects, false);
  }

  if (out !== null && ACS_RESPONSE_METHODS.has(body.method) && RESPONSE_TO[out.method] === body.method) {
    s = withIdCheck({ ...s, outstanding: null }, effects, env.header.id, out);
    if (out.index === -1) {
      s = { ...s, informAcknowledged: true, nsFixed: true, ns: chooseNamespace(env, effects) };
      effects.push({ type: 'inform-acknowledged' });
    } else {
      effects.push({ type: 'cpe-request-acknowledged', index: out.index, method: out.method as QueuedCpeRequest['method'] });
    }
    return next(s, effects, false);
  }
  if (body.method.endsWith(CPE_RESPONSE_SUFFIX) && !ACS_RESPONSE_METHODS.has(body.method)) {
    return fail(s, effects, `ACS sent ${body.method}, which only a CPE sends`);
  }
  return fail(s, effects, `ACS sent an unexpected ${body.method} in reply to ${whatWeSent(s)}`);
}

function onUndecodable(state: SessionState, error: DecodeError): Step {
  const requestLike =
    error.method === undefined || Object.hasOwn(ACS_REQUEST_METHODS, error.method) || CPE_ONLY_REQUESTS.has(error.method);
  if (error.code === 'invalid' && requestLike) {
    // A request whose arguments are wrong still gets an answer under its own cwmp:ID.
    const what = error.method ?? 'request';
    return answer(state, [], error.id, what, cwmpFault(9003, `Invalid arguments: ${quote(error.message)}`, 'Client'));
  }
  const what = error.method ? `an invalid ${quote(error.method)}` : 'an unreadable reply';
  return fail(state, [], `ACS sent ${what} (${error.code}: ${quote(error.message)})`);
}

function onEmptyReply(state: SessionState): Step {
  // An empty HTTP response also means HoldRequests=false (TR-069 §3.7.1.3 b).
  const s: SessionState = { ...state, holdRequests: false };
  const out = s.outstanding;
  if (out !== null) {
    return fail(s, [], out.index === -1 ? 'ACS ended the session without answering the Inform' : `ACS ended the session without answering our ${out.method}`);
  }
  return next(s, [], true);
}

/** Chooses the next POST after an ACS message that asked nothing of us. */
function next(state: SessionState, effects: Effect[], afterEmptyReply: boolean): Step {
  const cfg = state.config;
  const left = state.nextCpeRequest < cfg.cpeRequests.length;
  if (!state.cpeRequestsOver && left && !state.holdRequests) {
    const index = state.nextCpeRequest;
    const request = cfg.cpeRequests[index];
    const id = `${cfg.idPrefix}-${state.nextIdNumber}`;
    const s: SessionState = {
      ...state,
      nextCpeRequest: index + 1,
      nextIdNumber: state.nextIdNumber + 1,
      outstanding: { index, method: request.method, id },
    };
    return post(s, effects, 'cpe-request', { ns: s.ns, header: { id }, body: request });
  }
  if (afterEmptyReply) return finish(state, effects);
  if (state.cpeRequestsOver) return fail(state, effects, `ACS sent a message that needs no answer after our final empty POST`);
  if (state.holdRequests) return post(state, effects, 'held', null);
  return post({ ...state, cpeRequestsOver: true }, effects, 'empty-post-sent', null);
}

function onHandled(state: SessionState, response: CpeResponse | Fault): Step {
  const handling = state.handling;
  if (handling === null) throw new Error('handled without a request');
  const effects: Effect[] = [];
  let body: CpeResponse | Fault = response;
  if (body.method !== 'Fault' && body.method !== `${handling.method}${CPE_RESPONSE_SUFFIX}`) {
    effects.push({ type: 'warn', message: `handler answered ${handling.method} with ${body.method}; sending fault 9002 instead` });
    body = cwmpFault(9002, 'Internal error');
  }
  return answer({ ...state, handling: null }, effects, handling.id, handling.method, body);
}

/** POSTs our answer to an ACS request, echoing its cwmp:ID exactly (none if it had none). */
function answer(state: SessionState, effects: Effect[], id: string | undefined, method: string, body: CpeResponse | Fault): Step {
  effects.push({ type: 'answered', method, id, ...(body.method === 'Fault' ? { faultCode: body.faultCode } : {}) });
  const header: Header = id === undefined ? {} : { id };
  return post({ ...state, handling: null }, effects, 'responded', { ns: state.ns, header, body });
}

function post(state: SessionState, effects: Effect[], status: SessionStatus, envelope: Envelope | null): Step {
  if (state.messages >= state.config.maxMessages) {
    return fail(state, effects, `session stopped after ${state.config.maxMessages} messages: the ACS kept it going too long`);
  }
  effects.push({ type: 'send', envelope });
  return { state: { ...state, status, messages: state.messages + 1 }, effects };
}

function finish(state: SessionState, effects: Effect[]): Step {
  effects.push({ type: 'done', ok: true });
  return { state: { ...state, status: 'done' }, effects };
}

function fail(state: SessionState, effects: Effect[], error: string, retryAfterSeconds?: number): Step {
  effects.push(retryAfterSeconds === undefined ? { type: 'done', ok: false, error } : { type: 'done', ok: false, error, retryAfterSeconds });
  return { state: { ...state, status: 'failed', handling: null }, effects };
}

function chooseNamespace(env: Envelope, effects: Effect[]): CwmpNamespace {
  const use = env.header.useCwmpVersion;
  if (use !== undefined) {
    const ns = namespaceForVersion(use);
    if (ns !== undefined) return ns;
    effects.push({ type: 'warn', message: `ACS asked for unknown CWMP version "${use}"; keeping the namespace it answered in` });
  }
  return sendableNamespace(env.ns);
}

/** ACS responses should echo our cwmp:ID; a different one is tolerated but reported. */
function withIdCheck(state: SessionState, effects: Effect[], id: string | undefined, out: Outstanding): SessionState {
  if (id !== undefined && id !== out.id) {
    effects.push({ type: 'warn', message: `ACS answered our ${out.method} (ID ${out.id}) under ID ${id}` });
  }
  return state;
}

function whatWeSent(state: SessionState): string {
  switch (state.status) {
    case 'informing':
      return 'the Inform';
    case 'cpe-request':
      return `our ${state.outstanding?.method ?? 'request'}`;
    case 'held':
    case 'empty-post-sent':
      return 'our empty POST';
    default:
      return 'our response';
  }
}
