// SOAP envelope → typed CWMP message. Never throws: every problem becomes a DecodeError.
//
// Tolerance follows what real ACSs send (docs: shared/spec/interop-notes.md): elements are matched
// by local name whatever their prefix, argument order does not matter, booleans may be 1/0, array
// counts (soap-enc:arrayType) are ignored and the children counted, a missing xsi:type is allowed,
// missing optional arguments default to '' / 0 / false, and GenieACS's `soap-env:Body:Fault` is a
// Fault. What is refused: numbers that are not numbers ('invalid', with method and ID so the session
// can answer 9003), anything that is not an Envelope with one Body element ('not-soap').

import {
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  NS_CWMP_1_3,
  NS_CWMP_1_4,
  type AllQueuedTransfer,
  type ArgStruct,
  type CwmpNamespace,
  type DecodeErrorCode,
  type DecodeLimits,
  type DecodeResult,
  type DuOperation,
  type EventStruct,
  type Fault,
  type FaultStruct,
  type Header,
  type Message,
  type ParameterAttribute,
  type ParameterInfo,
  type ParameterValue,
  type QueuedTransfer,
  type SetParameterAttributesStruct,
  type SetParameterValuesFault,
  type TimeWindow,
} from './types.js';
import { isBlank, parseXml, XmlError, type XmlElement } from './xml.js';

const CWMP_NAMESPACES: ReadonlySet<string> = new Set([NS_CWMP_1_0, NS_CWMP_1_1, NS_CWMP_1_2, NS_CWMP_1_3, NS_CWMP_1_4]);

/** Internal: a decoding failure, turned into a DecodeError by decode(). */
class Failure extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): Failure => new Failure('invalid', message);

// ---- element helpers -------------------------------------------------------------------------

function child(el: XmlElement, name: string): XmlElement | undefined {
  const cs = el.children;
  for (let i = 0; i < cs.length; i++) if (cs[i].name === name) return cs[i];
  return undefined;
}

/** Text of a child element, '' when absent. */
function str(el: XmlElement, name: string): string {
  const c = child(el, name);
  return c === undefined ? '' : c.text;
}

/** Like str() but trimmed: for names and tokens that cannot carry meaningful outer whitespace. */
function token(el: XmlElement, name: string): string {
  const c = child(el, name);
  return c === undefined ? '' : c.text.trim();
}

const INTEGER = /^[+-]?\d+$/;

function parseInteger(raw: string, what: string, unsigned: boolean): number {
  const s = raw.trim();
  const n = INTEGER.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || (unsigned && n < 0)) {
    throw invalid(`${what} must be ${unsigned ? 'an unsigned' : 'an'} integer, got "${s.slice(0, 40)}"`);
  }
  return n === 0 ? 0 : n; // no -0
}

/** An integer argument; 0 when the element is absent, 'invalid' when present but not a number. */
function int(el: XmlElement, name: string, unsigned = true): number {
  const c = child(el, name);
  return c === undefined ? 0 : parseInteger(c.text, name, unsigned);
}

function status(el: XmlElement): 0 | 1 {
  const n = int(el, 'Status');
  if (n !== 0 && n !== 1) throw invalid(`Status must be 0 or 1, got ${n}`);
  return n;
}

function parseBoolean(raw: string, what: string): boolean {
  const s = raw.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw invalid(`${what} must be a boolean (true/false/1/0), got "${s.slice(0, 40)}"`);
}

/** A boolean argument; false when absent. */
function bool(el: XmlElement, name: string): boolean {
  const c = child(el, name);
  return c === undefined ? false : parseBoolean(c.text, name);
}

/** The xsi:type label of an element: any attribute whose local name is `type`. */
function typeAttr(el: XmlElement): string | undefined {
  const attrs = el.attrs;
  const t = attrs['xsi:type'];
  if (t !== undefined) return t;
  for (const k in attrs) if (k === 'type' || k.endsWith(':type')) return attrs[k];
  return undefined;
}

/** The items of a SOAP array argument (every child element, whatever arrayType says). */
function items(el: XmlElement, name: string): XmlElement[] {
  const c = child(el, name);
  return c === undefined ? [] : c.children;
}

function strings(el: XmlElement, name: string): string[] {
  const list = items(el, name);
  const out = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i].text.trim();
  return out;
}

function parameterValues(el: XmlElement): ParameterValue[] {
  const list = items(el, 'ParameterList');
  const out = new Array<ParameterValue>(list.length);
  for (let i = 0; i < list.length; i++) {
    const cs = list[i].children;
    let name = '';
    let value = '';
    let type: string | undefined;
    for (let j = 0; j < cs.length; j++) {
      const c = cs[j];
      if (c.name === 'Name') name = c.text.trim();
      else if (c.name === 'Value') {
        value = c.text;
        type = typeAttr(c);
      }
    }
    out[i] = type === undefined ? { name, value } : { name, value, type };
  }
  return out;
}

function faultStruct(el: XmlElement): FaultStruct {
  const f = child(el, 'FaultStruct');
  if (f === undefined) return { faultCode: 0, faultString: '' };
  return { faultCode: int(f, 'FaultCode'), faultString: str(f, 'FaultString') };
}

function timeWindow(w: XmlElement): TimeWindow {
  return {
    windowStart: int(w, 'WindowStart'),
    windowEnd: int(w, 'WindowEnd'),
    windowMode: token(w, 'WindowMode'),
    userMessage: str(w, 'UserMessage'),
    maxRetries: int(w, 'MaxRetries', false),
  };
}

function duOperation(op: XmlElement): DuOperation {
  const t = typeAttr(op);
  let kind = t === undefined ? '' : t.slice(t.indexOf(':') + 1);
  if (kind === '' && op.name.endsWith('OpStruct')) kind = op.name;
  if (kind === '') {
    // No type label: infer from the arguments (Uninstall has no URL; Update names a Version).
    const hasUrl = child(op, 'URL') !== undefined;
    kind = !hasUrl ? 'UninstallOpStruct' : child(op, 'Version') !== undefined ? 'UpdateOpStruct' : 'InstallOpStruct';
  }
  switch (kind) {
    case 'InstallOpStruct':
      return {
        op: 'Install',
        url: token(op, 'URL'),
        uuid: token(op, 'UUID'),
        username: str(op, 'Username'),
        password: str(op, 'Password'),
        executionEnvRef: str(op, 'ExecutionEnvRef'),
      };
    case 'UpdateOpStruct':
      return {
        op: 'Update',
        uuid: token(op, 'UUID'),
        version: str(op, 'Version'),
        url: token(op, 'URL'),
        username: str(op, 'Username'),
        password: str(op, 'Password'),
      };
    case 'UninstallOpStruct':
      return { op: 'Uninstall', uuid: token(op, 'UUID'), version: str(op, 'Version'), executionEnvRef: str(op, 'ExecutionEnvRef') };
    default:
      throw invalid(`unknown ChangeDUState operation type "${kind.slice(0, 40)}"`);
  }
}

function duOperations(el: XmlElement): DuOperation[] {
  const out: DuOperation[] = [];
  for (const c of el.children) {
    if (c.name !== 'Operations') continue;
    // Schema form: one <Operations xsi:type="cwmp:InstallOpStruct"> per operation. Also accepted:
    // a SOAP-array style <Operations> wrapping <InstallOpStruct>… elements.
    const wrapped = c.children.length > 0 && c.children.every((g) => g.name.endsWith('OpStruct'));
    if (wrapped) for (const g of c.children) out.push(duOperation(g));
    else out.push(duOperation(c));
  }
  return out;
}

function fault(el: XmlElement): Fault {
  const faultcode = token(el, 'faultcode');
  const detail = child(el, 'detail');
  // detail/Fault normally; a bare cwmp:Fault directly in the Body is read as its own detail.
  let cf: XmlElement | undefined;
  if (detail !== undefined) {
    for (const c of detail.children) if (c.name.endsWith('Fault')) cf = c;
  } else if (child(el, 'FaultCode') !== undefined) {
    cf = el;
  }
  const f: Fault = {
    method: 'Fault',
    faultcode: faultcode.slice(faultcode.lastIndexOf(':') + 1),
    faultstring: str(el, 'faultstring'),
    faultCode: cf === undefined ? 0 : int(cf, 'FaultCode'),
    faultString: cf === undefined ? '' : str(cf, 'FaultString'),
  };
  if (cf !== undefined) {
    const spvf: SetParameterValuesFault[] = [];
    for (const c of cf.children) {
      if (c.name !== 'SetParameterValuesFault') continue;
      spvf.push({ parameterName: token(c, 'ParameterName'), faultCode: int(c, 'FaultCode'), faultString: str(c, 'FaultString') });
    }
    if (spvf.length > 0) f.setParameterValuesFault = spvf;
  }
  return f;
}

// ---- one decoder per method --------------------------------------------------------------------

type MethodDecoder = (el: XmlElement) => Message;

const METHODS: Record<string, MethodDecoder> = {
  // ACS -> CPE requests
  GetRPCMethods: () => ({ method: 'GetRPCMethods' }),
  SetParameterValues: (el) => ({
    method: 'SetParameterValues',
    parameterList: parameterValues(el),
    parameterKey: str(el, 'ParameterKey'),
  }),
  GetParameterValues: (el) => ({ method: 'GetParameterValues', parameterNames: strings(el, 'ParameterNames') }),
  GetParameterNames: (el) => ({
    method: 'GetParameterNames',
    parameterPath: token(el, 'ParameterPath'),
    nextLevel: bool(el, 'NextLevel'),
  }),
  SetParameterAttributes: (el) => ({
    method: 'SetParameterAttributes',
    parameterList: items(el, 'ParameterList').map((s): SetParameterAttributesStruct => {
      const notificationChange = bool(s, 'NotificationChange');
      const n = child(s, 'Notification');
      // GenieACS sends <Notification></Notification> when it is not changing it.
      const notification =
        n === undefined ? 0 : !notificationChange && isBlank(n.text) ? NaN : parseInteger(n.text, 'Notification', false);
      return {
        name: token(s, 'Name'),
        notificationChange,
        notification,
        accessListChange: bool(s, 'AccessListChange'),
        accessList: strings(s, 'AccessList'),
      };
    }),
  }),
  GetParameterAttributes: (el) => ({ method: 'GetParameterAttributes', parameterNames: strings(el, 'ParameterNames') }),
  AddObject: (el) => ({ method: 'AddObject', objectName: token(el, 'ObjectName'), parameterKey: str(el, 'ParameterKey') }),
  DeleteObject: (el) => ({
    method: 'DeleteObject',
    objectName: token(el, 'ObjectName'),
    parameterKey: str(el, 'ParameterKey'),
  }),
  Reboot: (el) => ({ method: 'Reboot', commandKey: str(el, 'CommandKey') }),
  Download: (el) => ({
    method: 'Download',
    commandKey: str(el, 'CommandKey'),
    fileType: token(el, 'FileType'),
    url: token(el, 'URL'),
    username: str(el, 'Username'),
    password: str(el, 'Password'),
    fileSize: int(el, 'FileSize'),
    targetFileName: str(el, 'TargetFileName'),
    delaySeconds: int(el, 'DelaySeconds'),
    successUrl: token(el, 'SuccessURL'),
    failureUrl: token(el, 'FailureURL'),
  }),
  Upload: (el) => ({
    method: 'Upload',
    commandKey: str(el, 'CommandKey'),
    fileType: token(el, 'FileType'),
    url: token(el, 'URL'),
    username: str(el, 'Username'),
    password: str(el, 'Password'),
    delaySeconds: int(el, 'DelaySeconds'),
  }),
  FactoryReset: () => ({ method: 'FactoryReset' }),
  ScheduleInform: (el) => ({ method: 'ScheduleInform', delaySeconds: int(el, 'DelaySeconds'), commandKey: str(el, 'CommandKey') }),
  ScheduleDownload: (el) => ({
    method: 'ScheduleDownload',
    commandKey: str(el, 'CommandKey'),
    fileType: token(el, 'FileType'),
    url: token(el, 'URL'),
    username: str(el, 'Username'),
    password: str(el, 'Password'),
    fileSize: int(el, 'FileSize'),
    targetFileName: str(el, 'TargetFileName'),
    timeWindowList: items(el, 'TimeWindowList').map(timeWindow),
  }),
  CancelTransfer: (el) => ({ method: 'CancelTransfer', commandKey: str(el, 'CommandKey') }),
  GetQueuedTransfers: () => ({ method: 'GetQueuedTransfers' }),
  GetAllQueuedTransfers: () => ({ method: 'GetAllQueuedTransfers' }),
  ChangeDUState: (el) => ({ method: 'ChangeDUState', operations: duOperations(el), commandKey: str(el, 'CommandKey') }),

  // CPE -> ACS responses
  GetRPCMethodsResponse: (el) => ({ method: 'GetRPCMethodsResponse', methodList: strings(el, 'MethodList') }),
  SetParameterValuesResponse: (el) => ({ method: 'SetParameterValuesResponse', status: status(el) }),
  GetParameterValuesResponse: (el) => ({ method: 'GetParameterValuesResponse', parameterList: parameterValues(el) }),
  GetParameterNamesResponse: (el) => ({
    method: 'GetParameterNamesResponse',
    parameterList: items(el, 'ParameterList').map(
      (s): ParameterInfo => ({ name: token(s, 'Name'), writable: bool(s, 'Writable') }),
    ),
  }),
  SetParameterAttributesResponse: () => ({ method: 'SetParameterAttributesResponse' }),
  GetParameterAttributesResponse: (el) => ({
    method: 'GetParameterAttributesResponse',
    parameterList: items(el, 'ParameterList').map(
      (s): ParameterAttribute => ({
        name: token(s, 'Name'),
        notification: int(s, 'Notification', false),
        accessList: strings(s, 'AccessList'),
      }),
    ),
  }),
  AddObjectResponse: (el) => ({ method: 'AddObjectResponse', instanceNumber: int(el, 'InstanceNumber'), status: status(el) }),
  DeleteObjectResponse: (el) => ({ method: 'DeleteObjectResponse', status: status(el) }),
  RebootResponse: () => ({ method: 'RebootResponse' }),
  DownloadResponse: (el) => ({
    method: 'DownloadResponse',
    status: status(el),
    startTime: token(el, 'StartTime'),
    completeTime: token(el, 'CompleteTime'),
  }),
  UploadResponse: (el) => ({
    method: 'UploadResponse',
    status: status(el),
    startTime: token(el, 'StartTime'),
    completeTime: token(el, 'CompleteTime'),
  }),
  FactoryResetResponse: () => ({ method: 'FactoryResetResponse' }),
  ScheduleInformResponse: () => ({ method: 'ScheduleInformResponse' }),
  ScheduleDownloadResponse: () => ({ method: 'ScheduleDownloadResponse' }),
  CancelTransferResponse: () => ({ method: 'CancelTransferResponse' }),
  GetQueuedTransfersResponse: (el) => ({
    method: 'GetQueuedTransfersResponse',
    transferList: items(el, 'TransferList').map((t): QueuedTransfer => ({ commandKey: str(t, 'CommandKey'), state: int(t, 'State') })),
  }),
  GetAllQueuedTransfersResponse: (el) => ({
    method: 'GetAllQueuedTransfersResponse',
    transferList: items(el, 'TransferList').map(
      (t): AllQueuedTransfer => ({
        commandKey: str(t, 'CommandKey'),
        state: int(t, 'State'),
        isDownload: bool(t, 'IsDownload'),
        fileType: token(t, 'FileType'),
        fileSize: int(t, 'FileSize'),
        targetFileName: str(t, 'TargetFileName'),
      }),
    ),
  }),
  ChangeDUStateResponse: () => ({ method: 'ChangeDUStateResponse' }),

  // CPE -> ACS requests
  Inform: (el) => {
    const d = child(el, 'DeviceId');
    return {
      method: 'Inform',
      deviceId: {
        manufacturer: d === undefined ? '' : str(d, 'Manufacturer'),
        oui: d === undefined ? '' : token(d, 'OUI'),
        productClass: d === undefined ? '' : str(d, 'ProductClass'),
        serialNumber: d === undefined ? '' : str(d, 'SerialNumber'),
      },
      event: items(el, 'Event').map((e): EventStruct => ({ eventCode: token(e, 'EventCode'), commandKey: str(e, 'CommandKey') })),
      maxEnvelopes: int(el, 'MaxEnvelopes'),
      currentTime: token(el, 'CurrentTime'),
      retryCount: int(el, 'RetryCount'),
      parameterList: parameterValues(el),
    };
  },
  TransferComplete: (el) => ({
    method: 'TransferComplete',
    commandKey: str(el, 'CommandKey'),
    faultStruct: faultStruct(el),
    startTime: token(el, 'StartTime'),
    completeTime: token(el, 'CompleteTime'),
  }),
  AutonomousTransferComplete: (el) => ({
    method: 'AutonomousTransferComplete',
    announceUrl: token(el, 'AnnounceURL'),
    transferUrl: token(el, 'TransferURL'),
    isDownload: bool(el, 'IsDownload'),
    fileType: token(el, 'FileType'),
    fileSize: int(el, 'FileSize'),
    targetFileName: str(el, 'TargetFileName'),
    faultStruct: faultStruct(el),
    startTime: token(el, 'StartTime'),
    completeTime: token(el, 'CompleteTime'),
  }),
  RequestDownload: (el) => ({
    method: 'RequestDownload',
    fileType: token(el, 'FileType'),
    fileTypeArg: items(el, 'FileTypeArg').map((a): ArgStruct => ({ name: token(a, 'Name'), value: str(a, 'Value') })),
  }),
  Kicked: (el) => ({
    method: 'Kicked',
    command: str(el, 'Command'),
    referer: str(el, 'Referer'),
    arg: str(el, 'Arg'),
    next: token(el, 'Next'),
  }),

  // ACS -> CPE responses
  InformResponse: (el) => ({ method: 'InformResponse', maxEnvelopes: int(el, 'MaxEnvelopes') }),
  TransferCompleteResponse: () => ({ method: 'TransferCompleteResponse' }),
  AutonomousTransferCompleteResponse: () => ({ method: 'AutonomousTransferCompleteResponse' }),
  RequestDownloadResponse: () => ({ method: 'RequestDownloadResponse' }),
  KickedResponse: (el) => ({ method: 'KickedResponse', nextUrl: token(el, 'NextURL') }),
};

// ---- envelope ----------------------------------------------------------------------------------

/** The namespace bound to `prefix` by the nearest declaration along `chain` (innermost first). */
function lookupNs(prefix: string, chain: XmlElement[]): string | undefined {
  const key = prefix === '' ? 'xmlns' : 'xmlns:' + prefix;
  for (const el of chain) {
    const v = el.attrs[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The cwmp namespace of the message: that of the method element (or, for a Fault, of its
 * cwmp:Fault detail), else of the header entries, else any cwmp namespace declared on the
 * method, Body, Header or Envelope.
 */
function findNamespace(method: XmlElement, body: XmlElement, header: XmlElement | undefined, env: XmlElement): CwmpNamespace | undefined {
  const candidates: string[] = [];
  const bodyChain = [method, body, env];
  candidates.push(lookupNs(method.prefix, bodyChain) ?? '');
  const detail = child(method, 'detail');
  if (detail !== undefined) {
    for (const f of detail.children) candidates.push(lookupNs(f.prefix, [f, detail, ...bodyChain]) ?? '');
  }
  if (header !== undefined) {
    for (const h of header.children) candidates.push(lookupNs(h.prefix, [h, header, env]) ?? '');
  }
  for (const el of header === undefined ? bodyChain : [...bodyChain, header]) {
    for (const k in el.attrs) if (k === 'xmlns' || k.startsWith('xmlns:')) candidates.push(el.attrs[k]);
  }
  for (const c of candidates) if (CWMP_NAMESPACES.has(c)) return c as CwmpNamespace;
  return undefined;
}

function decodeHeader(header: XmlElement | undefined, out: Header, ctx: { id?: string }): void {
  if (header === undefined) return;
  // The ID first, so that an error in another header entry can still be addressed.
  const idEl = child(header, 'ID');
  if (idEl !== undefined) ctx.id = out.id = idEl.text;
  for (const h of header.children) {
    switch (h.name) {
      case 'HoldRequests':
        out.holdRequests = parseBoolean(h.text, 'HoldRequests');
        break;
      case 'NoMoreRequests':
        out.noMoreRequests = parseBoolean(h.text, 'NoMoreRequests');
        break;
      case 'SessionTimeout':
      case 'sessionTimeout': // GenieACS's spelling
        out.sessionTimeout = parseInteger(h.text, 'SessionTimeout', true);
        break;
      case 'SupportedCWMPVersions':
        out.supportedCwmpVersions = h.text.trim();
        break;
      case 'UseCWMPVersion':
        out.useCwmpVersion = h.text.trim();
        break;
      default: // ID (done above) and unknown entries, which are ignored
    }
  }
}

/** Decodes one HTTP body. Empty or whitespace-only → `{ok: true, envelope: null}`. Never throws. */
export function decode(text: string, limits?: DecodeLimits): DecodeResult {
  const ctx: { id?: string; method?: string } = {};
  try {
    if (typeof text !== 'string') throw new Failure('malformed', 'input is not a string');
    const maxBytes = limits?.maxBytes;
    if (maxBytes !== undefined && text.length > maxBytes) {
      throw new Failure('too-large', `message is ${text.length} characters, the limit is ${maxBytes}`);
    }
    if (isBlank(text)) return { ok: true, envelope: null };
    let env: XmlElement;
    try {
      env = parseXml(text, limits);
    } catch (e) {
      // A body with no element at all (only a declaration or comments) is an empty message too.
      if (e instanceof XmlError && e.noRoot) return { ok: true, envelope: null };
      throw e;
    }
    if (env.name !== 'Envelope') throw new Failure('not-soap', `root element is <${env.name}>, not a SOAP Envelope`);
    let header: XmlElement | undefined;
    let body: XmlElement | undefined;
    for (const c of env.children) {
      if (c.name === 'Header' && header === undefined) header = c;
      else if (c.name === 'Body' && body === undefined) body = c;
    }
    if (body === undefined) throw new Failure('not-soap', 'the Envelope has no Body');
    const out: Header = {};
    decodeHeader(header, out, ctx);
    if (body.children.length !== 1) {
      throw new Failure('not-soap', `the Body holds ${body.children.length} elements, expected exactly one`);
    }
    const m = body.children[0];
    const ns = findNamespace(m, body, header, env);
    if (ns === undefined) throw new Failure('not-soap', 'no CWMP namespace (urn:dslforum-org:cwmp-1-0 … 1-4) in the message');
    let message: Message;
    if (m.name.endsWith('Fault')) {
      ctx.method = 'Fault';
      message = fault(m);
    } else {
      const dec = Object.hasOwn(METHODS, m.name) ? METHODS[m.name] : undefined;
      if (dec === undefined) {
        message = { method: 'Unknown', name: m.name };
      } else {
        ctx.method = m.name;
        message = dec(m);
      }
    }
    return { ok: true, envelope: { ns, header: out, body: message } };
  } catch (e) {
    let code: DecodeErrorCode;
    let message: string;
    if (e instanceof XmlError || e instanceof Failure) {
      code = e.code;
      message = e.message;
    } else {
      // Not expected; kept so that decode() can promise never to throw.
      code = 'malformed';
      message = `unexpected decoder error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (ctx.method !== undefined && code === 'invalid') message = `${ctx.method}: ${message}`;
    return {
      ok: false,
      error: {
        code,
        message,
        ...(ctx.id !== undefined ? { id: ctx.id } : {}),
        ...(ctx.method !== undefined ? { method: ctx.method } : {}),
      },
    };
  }
}
