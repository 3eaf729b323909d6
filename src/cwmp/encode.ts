// Typed CWMP message → complete SOAP envelope.
//
// Output follows the BBF schemas (element order of cwmp-1-2.xsd/cwmp-1-4.xsd, soap-enc:arrayType
// on every array, xsi:type on every Value) with GenieACS's prefixes (soap-env, soap-enc, xsd, xsi,
// cwmp) and no whitespace between elements.
//
// Escaping: & < > " ' become entity references. Every character other than TAB, LF and printable
// ASCII (0x20-0x7E) is written as a numeric character reference, as TR-069 recommends, so the output
// is pure ASCII; that includes CR (&#13;, which survives XML end-of-line normalisation). Characters
// XML 1.0 cannot carry at all (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF and
// unpaired surrogates) are REPLACED by U+FFFD, so the output is always well-formed: a value that
// held them does not round-trip unchanged (see `xmlSafe`).
//
// Numbers are written with String(n): callers pass integers. A non-finite Notification of a
// SetParameterAttributesStruct is written as an empty element, as GenieACS does when it is not
// changing it (decode reads it back as NaN).

import type {
  DuOperation,
  Envelope,
  FaultStruct,
  Header,
  Message,
  ParameterValue,
  SetParameterValuesFault,
} from './types.js';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
  ' xmlns:cwmp="';

// Anything outside TAB, LF and printable ASCII minus & < > " '. When a string has none of these
// (the usual case: parameter names, numbers, plain values) it is written as it is.
const NEEDS_ESCAPE = /[^\t\n\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7e]/;

function escapeSlow(s: string, attr: boolean): string {
  let out = '';
  let last = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c >= 0x20 && c <= 0x7e) {
      if (c === 38) rep = '&amp;';
      else if (c === 60) rep = '&lt;';
      else if (c === 62) rep = '&gt;';
      else if (c === 34) rep = '&quot;';
      else if (c === 39) rep = '&apos;';
      else continue;
    } else if (c === 9 || c === 10) {
      if (!attr) continue; // attribute values would turn them into spaces
      rep = c === 9 ? '&#9;' : '&#10;';
    } else if (c === 13) {
      rep = '&#13;';
    } else if (c < 0x20 || c === 0xfffe || c === 0xffff) {
      rep = '&#xFFFD;';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        rep = '&#x' + ((c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000).toString(16).toUpperCase() + ';';
        out += s.slice(last, i) + rep;
        i++;
        last = i + 1;
        continue;
      }
      rep = '&#xFFFD;';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      rep = '&#xFFFD;';
    } else {
      rep = '&#x' + c.toString(16).toUpperCase() + ';';
    }
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return last === 0 ? out : out + s.slice(last);
}

/** Escapes text content. */
export function escapeXml(s: string): string {
  return NEEDS_ESCAPE.test(s) ? escapeSlow(s, false) : s;
}

// In attribute values TAB and LF must be escaped too (a parser turns raw ones into spaces).
const NEEDS_ESCAPE_ATTR = /[^\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7e]/;

function escapeAttr(s: string): string {
  return NEEDS_ESCAPE_ATTR.test(s) ? escapeSlow(s, true) : s;
}

/**
 * What a string becomes after encode → decode: characters XML 1.0 cannot carry are replaced by
 * U+FFFD. Exported for tests and for callers that want to know what the ACS will see.
 */
export function xmlSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

// ---- small builders ----------------------------------------------------------------------------
// Everything is pushed onto one array of parts and joined once at the end: a large message is then
// copied exactly once (a rope built with += would be copied again when flattened, and wrapping a
// finished list in its envelope would copy it a second time).

type Out = string[];

const el = (name: string, text: string): string => '<' + name + '>' + escapeXml(text) + '</' + name + '>';
const num = (name: string, n: number): string => '<' + name + '>' + String(n) + '</' + name + '>';
const bool = (name: string, b: boolean): string => '<' + name + '>' + (b ? 'true' : 'false') + '</' + name + '>';

function array<T>(w: Out, name: string, itemType: string, list: readonly T[], item: (x: T) => string): void {
  w.push('<' + name + ' soap-enc:arrayType="' + itemType + '[' + list.length + ']">');
  for (let i = 0; i < list.length; i++) w.push(item(list[i]));
  w.push('</' + name + '>');
}

const stringArray = (name: string, list: readonly string[]): string => {
  let s = '<' + name + ' soap-enc:arrayType="xsd:string[' + list.length + ']">';
  for (let i = 0; i < list.length; i++) s += '<string>' + escapeXml(list[i]) + '</string>';
  return s + '</' + name + '>';
};

// Type label → the markup between a Name and the text of its Value. Messages use a handful of
// labels (xsd:string, xsd:unsignedInt…), so each is escaped and concatenated once per process. The
// table stays small whatever an ACS sends in SetParameterValues: short labels only, 64 at most.
const VALUE_OPEN = new Map<string, string>();
const VALUE_OPEN_MAX_ENTRIES = 64;
const VALUE_OPEN_MAX_LABEL = 64;
const VALUE_OPEN_DEFAULT = '</Name><Value xsi:type="xsd:string">';

function valueOpen(type: string | undefined): string {
  if (type === undefined) return VALUE_OPEN_DEFAULT;
  let m = VALUE_OPEN.get(type);
  if (m === undefined) {
    m = '</Name><Value xsi:type="' + escapeAttr(type) + '">';
    if (type.length <= VALUE_OPEN_MAX_LABEL && VALUE_OPEN.size < VALUE_OPEN_MAX_ENTRIES) VALUE_OPEN.set(type, m);
  }
  return m;
}

const PV_FIRST = '<ParameterValueStruct><Name>';
const PV_NEXT = '</Value></ParameterValueStruct><ParameterValueStruct><Name>';
const PV_LAST = '</Value></ParameterValueStruct></ParameterList>';

function parameterValueList(w: Out, list: readonly ParameterValue[]): void {
  // The hot path of large GetParameterValuesResponse / Inform / SPV messages. Measured fastest
  // (against arrays of pieces joined once, per-parameter joins and template literals): one rope
  // appended to on the left, `s = s + …`, four pieces per parameter (the markup between two
  // parameters is one constant), flattened once by the final join. The xsi:type markup is looked up
  // only when the label changes.
  const n = list.length;
  let s = '<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[' + n + ']">';
  if (n === 0) {
    w.push(s + '</ParameterList>');
    return;
  }
  s += PV_FIRST;
  let lastType: string | undefined | null = null;
  let mid = VALUE_OPEN_DEFAULT;
  for (let i = 0; i < n; i++) {
    const p = list[i];
    if (p.type !== lastType) {
      lastType = p.type;
      mid = valueOpen(p.type);
    }
    s = s + escapeXml(p.name) + mid + escapeXml(p.value) + (i + 1 < n ? PV_NEXT : PV_LAST);
  }
  w.push(s);
}

const faultStruct = (f: FaultStruct): string =>
  '<FaultStruct>' + num('FaultCode', f.faultCode) + el('FaultString', f.faultString) + '</FaultStruct>';

function duOperation(op: DuOperation): string {
  // UUID is optional for Install/Update and must match the UUID pattern when present.
  const uuid = op.uuid === '' ? '' : el('UUID', op.uuid);
  switch (op.op) {
    case 'Install':
      return (
        '<Operations xsi:type="cwmp:InstallOpStruct">' +
        el('URL', op.url) +
        uuid +
        el('Username', op.username) +
        el('Password', op.password) +
        el('ExecutionEnvRef', op.executionEnvRef) +
        '</Operations>'
      );
    case 'Update':
      return (
        '<Operations xsi:type="cwmp:UpdateOpStruct">' +
        uuid +
        el('Version', op.version) +
        el('URL', op.url) +
        el('Username', op.username) +
        el('Password', op.password) +
        '</Operations>'
      );
    case 'Uninstall':
      return (
        '<Operations xsi:type="cwmp:UninstallOpStruct">' +
        el('UUID', op.uuid) +
        el('Version', op.version) +
        el('ExecutionEnvRef', op.executionEnvRef) +
        '</Operations>'
      );
  }
}

const spvFault = (f: SetParameterValuesFault): string =>
  '<SetParameterValuesFault>' +
  el('ParameterName', f.parameterName) +
  num('FaultCode', f.faultCode) +
  el('FaultString', f.faultString) +
  '</SetParameterValuesFault>';

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Writes the Body's element (the RPC or the Fault). */
function body(w: Out, m: Message): void {
  const open = '<cwmp:' + m.method + '>';
  const close = '</cwmp:' + m.method + '>';
  switch (m.method) {
    // ACS -> CPE requests
    case 'GetRPCMethods':
    case 'FactoryReset':
    case 'GetQueuedTransfers':
    case 'GetAllQueuedTransfers':
      w.push(open, close);
      return;
    case 'SetParameterValues':
      w.push(open);
      parameterValueList(w, m.parameterList);
      w.push(el('ParameterKey', m.parameterKey), close);
      return;
    case 'GetParameterValues':
    case 'GetParameterAttributes':
      w.push(open, stringArray('ParameterNames', m.parameterNames), close);
      return;
    case 'GetParameterNames':
      w.push(open, el('ParameterPath', m.parameterPath), bool('NextLevel', m.nextLevel), close);
      return;
    case 'SetParameterAttributes':
      w.push(open);
      array(w, 'ParameterList', 'cwmp:SetParameterAttributesStruct', m.parameterList, (s) =>
        '<SetParameterAttributesStruct>' +
        el('Name', s.name) +
        bool('NotificationChange', s.notificationChange) +
        (Number.isFinite(s.notification) ? num('Notification', s.notification) : '<Notification></Notification>') +
        bool('AccessListChange', s.accessListChange) +
        stringArray('AccessList', s.accessList) +
        '</SetParameterAttributesStruct>',
      );
      w.push(close);
      return;
    case 'AddObject':
    case 'DeleteObject':
      w.push(open, el('ObjectName', m.objectName), el('ParameterKey', m.parameterKey), close);
      return;
    case 'Reboot':
    case 'CancelTransfer':
      w.push(open, el('CommandKey', m.commandKey), close);
      return;
    case 'Download':
      w.push(
        open,
        el('CommandKey', m.commandKey),
        el('FileType', m.fileType),
        el('URL', m.url),
        el('Username', m.username),
        el('Password', m.password),
        num('FileSize', m.fileSize),
        el('TargetFileName', m.targetFileName),
        num('DelaySeconds', m.delaySeconds),
        el('SuccessURL', m.successUrl),
        el('FailureURL', m.failureUrl),
        close,
      );
      return;
    case 'Upload':
      w.push(
        open,
        el('CommandKey', m.commandKey),
        el('FileType', m.fileType),
        el('URL', m.url),
        el('Username', m.username),
        el('Password', m.password),
        num('DelaySeconds', m.delaySeconds),
        close,
      );
      return;
    case 'ScheduleInform':
      w.push(open, num('DelaySeconds', m.delaySeconds), el('CommandKey', m.commandKey), close);
      return;
    case 'ScheduleDownload':
      w.push(
        open,
        el('CommandKey', m.commandKey),
        el('FileType', m.fileType),
        el('URL', m.url),
        el('Username', m.username),
        el('Password', m.password),
        num('FileSize', m.fileSize),
        el('TargetFileName', m.targetFileName),
      );
      array(w, 'TimeWindowList', 'cwmp:TimeWindowStruct', m.timeWindowList, (t) =>
        '<TimeWindowStruct>' +
        num('WindowStart', t.windowStart) +
        num('WindowEnd', t.windowEnd) +
        el('WindowMode', t.windowMode) +
        el('UserMessage', t.userMessage) +
        num('MaxRetries', t.maxRetries) +
        '</TimeWindowStruct>',
      );
      w.push(close);
      return;
    case 'ChangeDUState':
      w.push(open);
      for (const op of m.operations) w.push(duOperation(op));
      w.push(el('CommandKey', m.commandKey), close);
      return;

    // CPE -> ACS responses
    case 'GetRPCMethodsResponse':
      w.push(open, stringArray('MethodList', m.methodList), close);
      return;
    case 'SetParameterValuesResponse':
    case 'DeleteObjectResponse':
      w.push(open, num('Status', m.status), close);
      return;
    case 'GetParameterValuesResponse':
      w.push(open);
      parameterValueList(w, m.parameterList);
      w.push(close);
      return;
    case 'GetParameterNamesResponse':
      w.push(open);
      array(
        w,
        'ParameterList',
        'cwmp:ParameterInfoStruct',
        m.parameterList,
        (p) => `<ParameterInfoStruct><Name>${escapeXml(p.name)}</Name><Writable>${p.writable ? 'true' : 'false'}</Writable></ParameterInfoStruct>`,
      );
      w.push(close);
      return;
    case 'GetParameterAttributesResponse':
      w.push(open);
      array(w, 'ParameterList', 'cwmp:ParameterAttributeStruct', m.parameterList, (p) =>
        '<ParameterAttributeStruct>' +
        el('Name', p.name) +
        num('Notification', p.notification) +
        stringArray('AccessList', p.accessList) +
        '</ParameterAttributeStruct>',
      );
      w.push(close);
      return;
    case 'AddObjectResponse':
      w.push(open, num('InstanceNumber', m.instanceNumber), num('Status', m.status), close);
      return;
    case 'DownloadResponse':
    case 'UploadResponse':
      w.push(open, num('Status', m.status), el('StartTime', m.startTime), el('CompleteTime', m.completeTime), close);
      return;
    case 'SetParameterAttributesResponse':
    case 'RebootResponse':
    case 'FactoryResetResponse':
    case 'ScheduleInformResponse':
    case 'ScheduleDownloadResponse':
    case 'CancelTransferResponse':
    case 'ChangeDUStateResponse':
      w.push(open, close);
      return;
    case 'GetQueuedTransfersResponse':
      w.push(open);
      array(w, 'TransferList', 'cwmp:QueuedTransferStruct', m.transferList, (t) =>
        '<QueuedTransferStruct>' + el('CommandKey', t.commandKey) + num('State', t.state) + '</QueuedTransferStruct>',
      );
      w.push(close);
      return;
    case 'GetAllQueuedTransfersResponse':
      w.push(open);
      array(w, 'TransferList', 'cwmp:AllQueuedTransferStruct', m.transferList, (t) =>
        '<AllQueuedTransferStruct>' +
        el('CommandKey', t.commandKey) +
        num('State', t.state) +
        bool('IsDownload', t.isDownload) +
        el('FileType', t.fileType) +
        num('FileSize', t.fileSize) +
        el('TargetFileName', t.targetFileName) +
        '</AllQueuedTransferStruct>',
      );
      w.push(close);
      return;

    // CPE -> ACS requests
    case 'Inform':
      w.push(
        open,
        '<DeviceId>' +
          el('Manufacturer', m.deviceId.manufacturer) +
          el('OUI', m.deviceId.oui) +
          el('ProductClass', m.deviceId.productClass) +
          el('SerialNumber', m.deviceId.serialNumber) +
          '</DeviceId>',
      );
      array(w, 'Event', 'cwmp:EventStruct', m.event, (e) =>
        '<EventStruct>' + el('EventCode', e.eventCode) + el('CommandKey', e.commandKey) + '</EventStruct>',
      );
      w.push(num('MaxEnvelopes', m.maxEnvelopes), el('CurrentTime', m.currentTime), num('RetryCount', m.retryCount));
      parameterValueList(w, m.parameterList);
      w.push(close);
      return;
    case 'TransferComplete':
      w.push(
        open,
        el('CommandKey', m.commandKey),
        faultStruct(m.faultStruct),
        el('StartTime', m.startTime),
        el('CompleteTime', m.completeTime),
        close,
      );
      return;
    case 'AutonomousTransferComplete':
      w.push(
        open,
        el('AnnounceURL', m.announceUrl),
        el('TransferURL', m.transferUrl),
        bool('IsDownload', m.isDownload),
        el('FileType', m.fileType),
        num('FileSize', m.fileSize),
        el('TargetFileName', m.targetFileName),
        faultStruct(m.faultStruct),
        el('StartTime', m.startTime),
        el('CompleteTime', m.completeTime),
        close,
      );
      return;
    case 'RequestDownload':
      w.push(open, el('FileType', m.fileType));
      array(w, 'FileTypeArg', 'cwmp:ArgStruct', m.fileTypeArg, (a) => '<ArgStruct>' + el('Name', a.name) + el('Value', a.value) + '</ArgStruct>');
      w.push(close);
      return;
    case 'Kicked':
      w.push(open, el('Command', m.command), el('Referer', m.referer), el('Arg', m.arg), el('Next', m.next), close);
      return;

    // ACS -> CPE responses
    case 'InformResponse':
      w.push(open, num('MaxEnvelopes', m.maxEnvelopes), close);
      return;
    case 'TransferCompleteResponse':
    case 'AutonomousTransferCompleteResponse':
    case 'RequestDownloadResponse':
      w.push(open, close);
      return;
    case 'KickedResponse':
      w.push(open, el('NextURL', m.nextUrl), close);
      return;

    case 'Fault':
      w.push(
        '<soap-env:Fault>',
        el('faultcode', m.faultcode),
        el('faultstring', m.faultstring),
        '<detail><cwmp:Fault>',
        num('FaultCode', m.faultCode),
        el('FaultString', m.faultString),
      );
      if (m.setParameterValuesFault !== undefined) for (const f of m.setParameterValuesFault) w.push(spvFault(f));
      w.push('</cwmp:Fault></detail></soap-env:Fault>');
      return;
    case 'Unknown':
      // A vendor method with no arguments (tests and probes); the name must be an XML name.
      if (!XML_NAME.test(m.name)) throw new TypeError(`encode: "${m.name}" is not a valid element name`);
      w.push('<cwmp:' + m.name + '>', '</cwmp:' + m.name + '>');
      return;
  }
}

function header(h: Header): string {
  let s = '';
  if (h.id !== undefined) s += '<cwmp:ID soap-env:mustUnderstand="1">' + escapeXml(h.id) + '</cwmp:ID>';
  if (h.holdRequests !== undefined) {
    s += '<cwmp:HoldRequests soap-env:mustUnderstand="1">' + String(h.holdRequests) + '</cwmp:HoldRequests>';
  }
  if (h.noMoreRequests !== undefined) {
    s += '<cwmp:NoMoreRequests soap-env:mustUnderstand="1">' + String(h.noMoreRequests) + '</cwmp:NoMoreRequests>';
  }
  if (h.sessionTimeout !== undefined) {
    s += '<cwmp:SessionTimeout soap-env:mustUnderstand="0">' + String(h.sessionTimeout) + '</cwmp:SessionTimeout>';
  }
  if (h.supportedCwmpVersions !== undefined) {
    s +=
      '<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">' +
      escapeXml(h.supportedCwmpVersions) +
      '</cwmp:SupportedCWMPVersions>';
  }
  if (h.useCwmpVersion !== undefined) {
    s += '<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">' + escapeXml(h.useCwmpVersion) + '</cwmp:UseCWMPVersion>';
  }
  return s === '' ? '' : '<soap-env:Header>' + s + '</soap-env:Header>';
}

/**
 * Encodes a typed message as a complete SOAP envelope in namespace `env.ns` (used as given).
 * The Header is written only when at least one header field is set.
 */
export function encode(env: Envelope): string {
  const w: Out = [ENVELOPE_OPEN + escapeAttr(env.ns) + '">' + header(env.header) + '<soap-env:Body>'];
  body(w, env.body);
  w.push('</soap-env:Body></soap-env:Envelope>');
  return w.join('');
}
