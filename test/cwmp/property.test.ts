// Property-based tests (fast-check): valid messages survive encode → decode; arbitrary and mutated
// input only ever gives a typed result, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decode,
  encode,
  parseXml,
  xmlSafe,
  XmlError,
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  NS_CWMP_1_3,
  NS_CWMP_1_4,
  type DecodeResult,
  type DuOperation,
  type Envelope,
  type Header,
  type Message,
} from '../../src/cwmp/index.js';
import { allSamples } from './samples.js';

// CWMP_PROPERTY_RUNS=5000 for a longer hunt; the default keeps `npm test` quick.
const RUNS = Number(process.env.CWMP_PROPERTY_RUNS ?? 300);

// ---- arbitraries -------------------------------------------------------------------------------

/** One piece of text: XML specials and look-alikes, any code unit (lone surrogates too), any code point. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", '&amp;', '&lt;', '&#65;', '&#x0;', ']]>', '<!--', '\r\n', '\r', '\t', ' ', '\u00a0') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
/** Any string at all (what the codec must never choke on). */
const anyText = fc.string({ unit, maxLength: 24 });
/** Free text as it comes back from the wire: characters XML cannot carry are already U+FFFD. */
const text = anyText.map(xmlSafe);
/** Names and tokens, which decode trims: no outer whitespace. */
const token = text.map((s) => s.trim());
const uint = fc.integer({ min: 0, max: 4294967295 });
const int = fc.integer({ min: -2147483648, max: 2147483647 });
const status = fc.constantFrom(0 as const, 1 as const);
const list = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { maxLength: 5 });

const parameterValue = fc.record({ name: token, value: text, type: text });
const faultStruct = fc.record({ faultCode: uint, faultString: text });
const duOperation: fc.Arbitrary<DuOperation> = fc.oneof(
  fc.record({ op: fc.constant('Install' as const), url: token, uuid: token, username: text, password: text, executionEnvRef: text }),
  fc.record({ op: fc.constant('Update' as const), uuid: token, version: text, url: token, username: text, password: text }),
  fc.record({ op: fc.constant('Uninstall' as const), uuid: token, version: text, executionEnvRef: text }),
);

const message: fc.Arbitrary<Message> = fc.oneof(
  // ACS -> CPE requests
  fc.constantFrom<Message>(
    { method: 'GetRPCMethods' },
    { method: 'FactoryReset' },
    { method: 'GetQueuedTransfers' },
    { method: 'GetAllQueuedTransfers' },
  ),
  fc.record({ method: fc.constant('SetParameterValues' as const), parameterList: list(parameterValue), parameterKey: text }),
  fc.record({ method: fc.constant('GetParameterValues' as const), parameterNames: list(token) }),
  fc.record({ method: fc.constant('GetParameterNames' as const), parameterPath: token, nextLevel: fc.boolean() }),
  fc.record({
    method: fc.constant('SetParameterAttributes' as const),
    parameterList: list(
      fc.boolean().chain((notificationChange) =>
        fc.record({
          name: token,
          notificationChange: fc.constant(notificationChange),
          // NaN only makes sense (and only round-trips) when the notification is not being changed.
          notification: notificationChange ? int : fc.oneof(int, fc.constant(NaN)),
          accessListChange: fc.boolean(),
          accessList: list(token),
        }),
      ),
    ),
  }),
  fc.record({ method: fc.constant('GetParameterAttributes' as const), parameterNames: list(token) }),
  fc.record({ method: fc.constantFrom('AddObject' as const, 'DeleteObject' as const), objectName: token, parameterKey: text }),
  fc.record({ method: fc.constantFrom('Reboot' as const, 'CancelTransfer' as const), commandKey: text }),
  fc.record({
    method: fc.constant('Download' as const),
    commandKey: text,
    fileType: token,
    url: token,
    username: text,
    password: text,
    fileSize: uint,
    targetFileName: text,
    delaySeconds: uint,
    successUrl: token,
    failureUrl: token,
  }),
  fc.record({ method: fc.constant('Upload' as const), commandKey: text, fileType: token, url: token, username: text, password: text, delaySeconds: uint }),
  fc.record({ method: fc.constant('ScheduleInform' as const), delaySeconds: uint, commandKey: text }),
  fc.record({
    method: fc.constant('ScheduleDownload' as const),
    commandKey: text,
    fileType: token,
    url: token,
    username: text,
    password: text,
    fileSize: uint,
    targetFileName: text,
    timeWindowList: list(fc.record({ windowStart: uint, windowEnd: uint, windowMode: token, userMessage: text, maxRetries: int })),
  }),
  fc.record({ method: fc.constant('ChangeDUState' as const), operations: list(duOperation), commandKey: text }),
  // CPE -> ACS responses
  fc.record({ method: fc.constant('GetRPCMethodsResponse' as const), methodList: list(token) }),
  fc.record({ method: fc.constantFrom('SetParameterValuesResponse' as const, 'DeleteObjectResponse' as const), status }),
  fc.record({ method: fc.constant('GetParameterValuesResponse' as const), parameterList: list(parameterValue) }),
  fc.record({ method: fc.constant('GetParameterNamesResponse' as const), parameterList: list(fc.record({ name: token, writable: fc.boolean() })) }),
  fc.record({
    method: fc.constant('GetParameterAttributesResponse' as const),
    parameterList: list(fc.record({ name: token, notification: int, accessList: list(token) })),
  }),
  fc.record({ method: fc.constant('AddObjectResponse' as const), instanceNumber: uint, status }),
  fc.record({ method: fc.constantFrom('DownloadResponse' as const, 'UploadResponse' as const), status, startTime: token, completeTime: token }),
  fc.constantFrom<Message>(
    { method: 'SetParameterAttributesResponse' },
    { method: 'RebootResponse' },
    { method: 'FactoryResetResponse' },
    { method: 'ScheduleInformResponse' },
    { method: 'ScheduleDownloadResponse' },
    { method: 'CancelTransferResponse' },
    { method: 'ChangeDUStateResponse' },
    { method: 'TransferCompleteResponse' },
    { method: 'AutonomousTransferCompleteResponse' },
    { method: 'RequestDownloadResponse' },
  ),
  fc.record({ method: fc.constant('GetQueuedTransfersResponse' as const), transferList: list(fc.record({ commandKey: text, state: uint })) }),
  fc.record({
    method: fc.constant('GetAllQueuedTransfersResponse' as const),
    transferList: list(
      fc.record({ commandKey: text, state: uint, isDownload: fc.boolean(), fileType: token, fileSize: uint, targetFileName: text }),
    ),
  }),
  // CPE -> ACS requests
  fc.record({
    method: fc.constant('Inform' as const),
    deviceId: fc.record({ manufacturer: text, oui: token, productClass: text, serialNumber: text }),
    event: list(fc.record({ eventCode: token, commandKey: text })),
    maxEnvelopes: uint,
    currentTime: token,
    retryCount: uint,
    parameterList: list(parameterValue),
  }),
  fc.record({ method: fc.constant('TransferComplete' as const), commandKey: text, faultStruct, startTime: token, completeTime: token }),
  fc.record({
    method: fc.constant('AutonomousTransferComplete' as const),
    announceUrl: token,
    transferUrl: token,
    isDownload: fc.boolean(),
    fileType: token,
    fileSize: uint,
    targetFileName: text,
    faultStruct,
    startTime: token,
    completeTime: token,
  }),
  fc.record({ method: fc.constant('RequestDownload' as const), fileType: token, fileTypeArg: list(fc.record({ name: token, value: text })) }),
  fc.record({ method: fc.constant('Kicked' as const), command: text, referer: text, arg: text, next: token }),
  // ACS -> CPE responses
  fc.record({ method: fc.constant('InformResponse' as const), maxEnvelopes: uint }),
  fc.record({ method: fc.constant('KickedResponse' as const), nextUrl: token }),
  // faults and vendor methods
  fc.record(
    {
      method: fc.constant('Fault' as const),
      faultcode: fc.constantFrom('Client', 'Server'),
      faultstring: text,
      faultCode: uint,
      faultString: text,
      setParameterValuesFault: fc.array(fc.record({ parameterName: token, faultCode: uint, faultString: text }), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['method', 'faultcode', 'faultstring', 'faultCode', 'faultString'] },
  ),
  fc.constantFrom('X_ACME_Ping', 'SetVouchers', 'GetOptions', 'X_00005E_Do.It-2').map((name): Message => ({ method: 'Unknown', name })),
);

const header: fc.Arbitrary<Header> = fc.record(
  {
    id: text,
    holdRequests: fc.boolean(),
    noMoreRequests: fc.boolean(),
    sessionTimeout: uint,
    supportedCwmpVersions: token,
    useCwmpVersion: token,
  },
  { requiredKeys: [] },
);

const envelope: fc.Arbitrary<Envelope> = fc.record({
  ns: fc.constantFrom(NS_CWMP_1_0, NS_CWMP_1_1, NS_CWMP_1_2, NS_CWMP_1_3, NS_CWMP_1_4),
  header,
  body: message,
});

// ---- properties --------------------------------------------------------------------------------

const CODES = new Set(['malformed', 'forbidden', 'too-large', 'too-deep', 'not-soap', 'invalid']);

/** A decode result is either a success or a DecodeError with a known code and a message. */
function wellTyped(r: DecodeResult): boolean {
  if (r.ok) return r.envelope === null || typeof r.envelope.body.method === 'string';
  return CODES.has(r.error.code) && typeof r.error.message === 'string' && r.error.message.length > 0;
}

test('valid messages survive encode → decode unchanged', () => {
  fc.assert(
    fc.property(envelope, (env) => {
      const r = decode(encode(env));
      assert.ok(r.ok, JSON.stringify(r));
      // structuredClone: fast-check builds null-prototype records, decode builds plain objects.
      assert.deepEqual(r.envelope, structuredClone(env));
    }),
    { numRuns: RUNS * 3 },
  );
});

test('any string in a raw text field comes back as xmlSafe(string) (forbidden characters → U+FFFD)', () => {
  fc.assert(
    fc.property(anyText, anyText, anyText, (id, value, key) => {
      const env: Envelope = {
        ns: NS_CWMP_1_2,
        header: { id },
        body: { method: 'SetParameterValues', parameterList: [{ name: 'A.b', value, type: 'xsd:string' }], parameterKey: key },
      };
      const r = decode(encode(env));
      assert.ok(r.ok);
      assert.deepEqual(r.envelope, {
        ns: NS_CWMP_1_2,
        header: { id: xmlSafe(id) },
        body: { method: 'SetParameterValues', parameterList: [{ name: 'A.b', value: xmlSafe(value), type: 'xsd:string' }], parameterKey: xmlSafe(key) },
      });
    }),
    { numRuns: RUNS },
  );
});

test('random strings never make decode or parseXml throw', () => {
  const xmlish = fc.string({
    unit: fc.oneof(unit, fc.constantFrom('<a>', '</a>', '<b/>', '<!DOCTYPE', '<?xml?>', '<![CDATA[', 'xmlns:c="urn:dslforum-org:cwmp-1-0"', '=', '"')),
    maxLength: 60,
  });
  fc.assert(
    fc.property(fc.oneof(anyText, xmlish), (s) => {
      assert.ok(wellTyped(decode(s)));
      try {
        parseXml(s);
      } catch (e) {
        assert.ok(e instanceof XmlError, String(e));
      }
    }),
    { numRuns: RUNS * 3 },
  );
});

/** Mutations of a valid message: cut, delete, duplicate, insert junk, swap characters. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    junk: fc.oneof(anyText, fc.constantFrom('<', '>', '&', '</x>', '<x>', '"', '<!DOCTYPE x>', '<!ENTITY e "x">', 'abc', '<soap-env:Body>', '1e9')),
  }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), ch: anyText }),
);

interface Mutation {
  kind: 'truncate' | 'delete' | 'duplicate' | 'insert' | 'replace';
  at: number;
  len?: number;
  junk?: string;
  ch?: string;
}

function mutate(s: string, ms: Mutation[]): string {
  let out = s;
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.kind) {
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'delete':
        out = out.slice(0, at) + out.slice(at + (m.len ?? 1));
        break;
      case 'duplicate':
        out = out.slice(0, at) + out.slice(at, at + (m.len ?? 1)) + out.slice(at);
        break;
      case 'insert':
        out = out.slice(0, at) + (m.junk ?? '') + out.slice(at);
        break;
      default:
        out = out.slice(0, at) + (m.ch ?? '') + out.slice(at + 1);
    }
  }
  return out;
}

test('mutated valid messages only ever give a typed error or a valid result', () => {
  const samples = allSamples().map(({ env }) => encode(env));
  fc.assert(
    fc.property(fc.oneof(envelope.map(encode), fc.constantFrom(...samples)), fc.array(mutation, { minLength: 1, maxLength: 4 }), (xml, ms) => {
      const r = decode(mutate(xml, ms));
      assert.ok(wellTyped(r), JSON.stringify(r));
    }),
    { numRuns: RUNS * 3 },
  );
});

test('mutating a number argument into garbage gives invalid with the method and the ID', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('FileSize', 'DelaySeconds'),
      fc.string({ unit: fc.constantFrom('a', 'x', '.', 'e', '-', ' ', '+'), minLength: 1, maxLength: 6 }).filter((s) => !/^\s*[+-]?\d+\s*$/.test(s)),
      fc.string({ unit: 'grapheme-ascii', maxLength: 10 }),
      (field, garbage, id) => {
        const xml = encode({
          ns: NS_CWMP_1_2,
          header: { id },
          body: {
            method: 'Download',
            commandKey: '',
            fileType: '1 Firmware Upgrade Image',
            url: 'http://x/',
            username: '',
            password: '',
            fileSize: 1,
            targetFileName: '',
            delaySeconds: 1,
            successUrl: '',
            failureUrl: '',
          },
        }).replace(`<${field}>1</${field}>`, `<${field}>${garbage.replace(/&/g, '&amp;')}</${field}>`);
        const r = decode(xml);
        assert.ok(!r.ok);
        assert.equal(r.error.code, 'invalid');
        assert.equal(r.error.method, 'Download');
        assert.equal(r.error.id, id);
      },
    ),
    { numRuns: RUNS },
  );
});
