import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/cwmp/index.js';
import { NS_CWMP_1_0, NS_CWMP_1_2, type AcsRequest, type Envelope, type Message } from '../../src/cwmp/types.js';
import { TransportError } from '../../src/transport/types.js';
import { runSession, type RunSessionOptions, type SessionLogger } from '../../src/session/runner.js';
import { FakeTransport, NO_CONTENT_REPLY, ok, type Scripted } from './fake-transport.js';
import { assertValidCwmp } from '../helpers/schema.js';
import { GPV_RESPONSE, INFORM, acsFault, transferComplete } from './fixtures.js';

// Captured from GenieACS 1.3 (shared/interop/genieacs/acs-to-cpe): note it answers in cwmp-1-0 here.
const GENIEACS_INFORM_RESPONSE =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soap-env:Envelope xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">ugtp37ng</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse></soap-env:Body></soap-env:Envelope>';
const GENIEACS_TC_RESPONSE =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soap-env:Envelope xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">o5qstok8</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:TransferCompleteResponse></cwmp:TransferCompleteResponse></soap-env:Body></soap-env:Envelope>';
const GENIEACS_GPV =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soap-env:Envelope xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">1a21276ff830006</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:GetParameterValues><ParameterNames soap-enc:arrayType="xsd:string[1]"><string>Device.DeviceInfo.SoftwareVersion</string></ParameterNames></cwmp:GetParameterValues></soap-env:Body></soap-env:Envelope>';

function acs(body: Message, header: Envelope['header'] = {}, ns: Envelope['ns'] = NS_CWMP_1_2): string {
  return encode({ ns, header, body });
}

function decoded(body: string | null): Envelope {
  assert.ok(body !== null, 'expected a SOAP body, got an empty POST');
  const r = decode(body);
  assert.ok(r.ok, `our own message does not decode: ${JSON.stringify(r)}`);
  assert.ok(r.envelope !== null);
  return r.envelope;
}

/** Every transport of these tests; what the client POSTed is schema-checked at the end. */
const transports: FakeTransport[] = [];

function options(transport: FakeTransport, extra: Partial<RunSessionOptions> = {}): RunSessionOptions {
  transports.push(transport);
  return {
    transport,
    inform: INFORM,
    sessionId: 's1',
    handleRequest: async () => GPV_RESPONSE,
    ...extra,
  };
}

class MemoryLog implements SessionLogger {
  readonly lines: { level: string; obj: object; msg?: string }[] = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
}

describe('runSession', () => {
  test('full session with GenieACS messages: Inform → TransferComplete → empty POST → GPV → 204', async () => {
    const t = new FakeTransport([ok(GENIEACS_INFORM_RESPONSE), ok(GENIEACS_TC_RESPONSE), ok(GENIEACS_GPV), NO_CONTENT_REPLY]);
    const order: string[] = [];
    t.onPost = (body) => order.push(body === null ? 'POST empty' : `POST ${decoded(body).body.method}`);
    const requests: AcsRequest[] = [];
    let clock = 1000;
    const outcome = await runSession(
      options(t, {
        cpeRequests: [transferComplete('dl-1')],
        handleRequest: async (req) => {
          requests.push(req);
          order.push(`handle ${req.method}`);
          return GPV_RESPONSE;
        },
        onInformAcknowledged: async () => {
          order.push('inform acknowledged');
        },
        onCpeRequestAcknowledged: async (i) => {
          order.push(`acknowledged ${i}`);
        },
        now: () => (clock += 250),
      }),
    );
    assert.deepEqual(outcome, {
      sessionId: 's1',
      ok: true,
      rpcs: ['GetParameterValues'],
      messages: 4,
      durationMs: 250,
      informAcknowledged: true,
      acknowledgedCpeRequests: [0],
      deferredCpeRequests: [],
      droppedCpeRequests: [],
    });
    assert.deepEqual(order, [
      'POST Inform',
      'inform acknowledged', // persisted before the next message goes out
      'POST TransferComplete',
      'acknowledged 0',
      'POST empty',
      'handle GetParameterValues',
      'POST GetParameterValuesResponse',
    ]);
    assert.deepEqual(requests, [{ method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.SoftwareVersion'] }]);

    const inform = decoded(t.posts[0]);
    assert.equal(inform.ns, NS_CWMP_1_2);
    assert.equal(inform.header.id, 's1-1');
    assert.equal(inform.header.sessionTimeout, 60);
    assert.equal(inform.header.supportedCwmpVersions, '1.0,1.1,1.2,1.3,1.4');
    assert.deepEqual(inform.body, INFORM);
    const tc = decoded(t.posts[1]);
    assert.equal(tc.ns, NS_CWMP_1_0, 'GenieACS answered in cwmp-1-0: the session continues in it');
    assert.deepEqual(tc.header, { id: 's1-2' });
    assert.deepEqual(tc.body, transferComplete('dl-1'));
    assert.equal(t.posts[2], null);
    const gpvr = decoded(t.posts[3]);
    assert.deepEqual(gpvr.header, { id: '1a21276ff830006' });
    assert.deepEqual(gpvr.body, GPV_RESPONSE);
    assert.equal(t.closed, 1);
    assert.equal(t.unused, 0);
  });

  test('an empty 200 ends the session like a 204', async () => {
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), ok('  \r\n')]);
    const outcome = await runSession(options(t));
    assert.equal(outcome.ok, true);
    assert.equal(outcome.messages, 2);
  });

  test('unknown ACS method → fault 9000; invalid arguments → fault 9003; both under their IDs', async () => {
    const unknown =
      '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">u-7</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:X_ACME_Frobnicate/></soap-env:Body></soap-env:Envelope>';
    const invalid =
      '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">g-8</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>maybe</NextLevel></cwmp:GetParameterNames></soap-env:Body></soap-env:Envelope>';
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), ok(unknown), ok(invalid), NO_CONTENT_REPLY]);
    let handled = 0;
    const outcome = await runSession(options(t, { handleRequest: async () => (handled++, GPV_RESPONSE) }));
    assert.equal(outcome.ok, true);
    assert.equal(handled, 0, 'the handler never sees them');
    assert.deepEqual(outcome.rpcs, ['X_ACME_Frobnicate', 'GetParameterNames']);
    const f1 = decoded(t.posts[2]);
    assert.equal(f1.header.id, 'u-7');
    assert.equal(f1.body.method, 'Fault');
    assert.equal((f1.body as { faultCode: number }).faultCode, 9000);
    assert.equal((f1.body as { faultcode: string }).faultcode, 'Server');
    const f2 = decoded(t.posts[3]);
    assert.equal(f2.header.id, 'g-8');
    assert.equal((f2.body as { faultCode: number }).faultCode, 9003);
    assert.equal((f2.body as { faultcode: string }).faultcode, 'Client');
  });

  test('a handler that throws is answered with fault 9002 and the session goes on', async () => {
    const t = new FakeTransport([
      ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })),
      ok(acs({ method: 'GetParameterValues', parameterNames: ['Device.'] }, { id: 'boom' })),
      NO_CONTENT_REPLY,
    ]);
    const log = new MemoryLog();
    const outcome = await runSession(
      options(t, {
        log,
        handleRequest: async () => {
          throw new Error('backend exploded');
        },
      }),
    );
    assert.equal(outcome.ok, true);
    const f = decoded(t.posts[2]);
    assert.equal(f.header.id, 'boom');
    assert.equal((f.body as { faultCode: number }).faultCode, 9002);
    assert.ok(log.lines.some((l) => l.level === 'warn' && /handler threw/.test(l.msg ?? '')));
  });

  test('a response the codec cannot encode is replaced by fault 9002 under the same ID', async () => {
    const t = new FakeTransport([
      ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })),
      ok(acs({ method: 'GetParameterValues', parameterNames: ['Device.'] }, { id: 'enc' })),
      NO_CONTENT_REPLY,
    ]);
    const outcome = await runSession(
      options(t, {
        encode: (env) => {
          if (env.body.method === 'GetParameterValuesResponse') throw new Error('cannot encode');
          return encode(env);
        },
      }),
    );
    assert.equal(outcome.ok, true);
    const f = decoded(t.posts[2]);
    assert.equal(f.header.id, 'enc');
    assert.equal((f.body as { faultCode: number }).faultCode, 9002);
  });

  test('a transport error fails the session with its sentence and Retry-After, and closes', async () => {
    const t = new FakeTransport([new TransportError('connect', 'cannot connect to acs.example:7547 (connection refused)', undefined, 120)]);
    const outcome = await runSession(options(t));
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error, 'cannot connect to acs.example:7547 (connection refused)');
    assert.equal(outcome.retryAfterSeconds, 120);
    assert.equal(outcome.informAcknowledged, false);
    assert.equal(outcome.messages, 1);
    assert.equal(t.closed, 1);
  });

  test('HTTP 503 with Retry-After and a GenieACS 400 explanation become the error', async () => {
    let t = new FakeTransport([{ status: 503, headers: {}, body: '', retryAfterSeconds: 60 }]);
    let outcome = await runSession(options(t));
    assert.deepEqual([outcome.ok, outcome.error, outcome.retryAfterSeconds], [false, 'ACS answered HTTP 503 to the Inform', 60]);
    t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), { status: 400, headers: {}, body: 'Invalid session\n' }]);
    outcome = await runSession(options(t));
    assert.equal(outcome.error, 'ACS answered HTTP 400 to our empty POST: Invalid session');
    assert.equal(outcome.informAcknowledged, true);
    t = new FakeTransport([{ status: 500, headers: {}, body: '<html><body>' + 'x'.repeat(1000) + '</body></html>' }]);
    outcome = await runSession(options(t));
    assert.equal(outcome.error, 'ACS answered HTTP 500 to the Inform', 'HTML bodies are not quoted');
    t = new FakeTransport([{ status: 400, headers: {}, body: 'e\u0000vil' + 'y'.repeat(500) }]);
    outcome = await runSession(options(t));
    assert.ok((outcome.error ?? '').length < 260, 'explanations are bounded');
    assert.match(outcome.error ?? '', /e\?vil/);
  });

  test('garbage in reply fails the session', async () => {
    const t = new FakeTransport([ok('<html>not soap</html>')]);
    const outcome = await runSession(options(t));
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /^ACS sent an unreadable reply \(/);
  });

  test('ACS faults to CPE requests: 8005 deferred, 8000 dropped, reported through the callback', async () => {
    const t = new FakeTransport([
      ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })),
      ok(acs(acsFault(8005, 'Retry request'))),
      ok(acs(acsFault(8000, 'Method not supported'))),
      ok(acs({ method: 'TransferCompleteResponse' })),
      NO_CONTENT_REPLY,
    ]);
    const failed: [number, number, string][] = [];
    const outcome = await runSession(
      options(t, {
        cpeRequests: [transferComplete('a'), { method: 'RequestDownload', fileType: '1 Firmware Upgrade Image', fileTypeArg: [] }, transferComplete('c')],
        onCpeRequestFailed: async (i, f, d) => {
          failed.push([i, f.faultCode, d]);
        },
      }),
    );
    assert.equal(outcome.ok, true);
    assert.deepEqual(failed, [
      [0, 8005, 'retry-later'],
      [1, 8000, 'drop'],
    ]);
    assert.deepEqual(outcome.deferredCpeRequests, [0]);
    assert.deepEqual(outcome.droppedCpeRequests, [1]);
    assert.deepEqual(outcome.acknowledgedCpeRequests, [2]);
  });

  test('a fault to the Inform fails the session without acknowledging it', async () => {
    const t = new FakeTransport([ok(acs(acsFault(8005, 'Retry request')))]);
    let acked = false;
    const outcome = await runSession(options(t, { onInformAcknowledged: () => void (acked = true) }));
    assert.equal(outcome.error, 'ACS answered the Inform with fault 8005 (Retry request)');
    assert.equal(acked, false);
    assert.equal(outcome.informAcknowledged, false);
  });

  test('if recording the InformResponse fails, the session stops before the next POST', async () => {
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), NO_CONTENT_REPLY]);
    const outcome = await runSession(
      options(t, {
        onInformAcknowledged: async () => {
          throw new Error('ENOSPC: no space left on device');
        },
      }),
    );
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /session aborted: ENOSPC/);
    assert.equal(t.posts.length, 1);
    assert.equal(t.closed, 1);
  });

  test('a looping ACS is cut off at maxMessages', async () => {
    const gpv = (): Scripted => ok(acs({ method: 'GetParameterValues', parameterNames: ['Device.'] }, { id: 'again' }));
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), ...Array.from({ length: 20 }, gpv)]);
    const outcome = await runSession(options(t, { maxMessages: 6 }));
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /after 6 messages/);
    assert.equal(outcome.messages, 6);
    assert.equal(t.posts.length, 6);
    assert.equal(outcome.rpcs.length, 5, 'the 6th answer was not sent');
  });

  test('trace sees bodies; the log never does (a Download password stays out of it)', async () => {
    const download: AcsRequest = {
      method: 'Download',
      commandKey: 'k',
      fileType: '1 Firmware Upgrade Image',
      url: 'http://files.example/fw.bin',
      username: 'u',
      password: 'hunter2-secret',
      fileSize: 0,
      targetFileName: '',
      delaySeconds: 0,
      successUrl: '',
      failureUrl: '',
    };
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), ok(acs(download, { id: 'd' })), NO_CONTENT_REPLY]);
    const log = new MemoryLog();
    const traced: [string, string][] = [];
    const outcome = await runSession(
      options(t, {
        log,
        trace: (dir, body) => traced.push([dir, body]),
        handleRequest: async () => ({ method: 'DownloadResponse', status: 1, startTime: '0001-01-01T00:00:00Z', completeTime: '0001-01-01T00:00:00Z' }),
      }),
    );
    assert.equal(outcome.ok, true);
    assert.deepEqual(
      traced.map(([d]) => d),
      ['sent', 'received', 'received', 'sent'],
    );
    assert.ok(traced.some(([, b]) => b.includes('hunter2-secret')));
    assert.ok(log.lines.length > 0);
    assert.ok(log.lines.every((l) => l.obj && (l.obj as { session?: string }).session === 's1'));
    assert.ok(!JSON.stringify(log.lines).includes('hunter2-secret'));
  });

  test('a default session id is random hex and prefixes our cwmp:IDs', async () => {
    const t = new FakeTransport([ok(acs({ method: 'InformResponse', maxEnvelopes: 1 })), NO_CONTENT_REPLY]);
    const outcome = await runSession({ transport: t, inform: INFORM, handleRequest: async () => GPV_RESPONSE });
    assert.match(outcome.sessionId, /^[0-9a-f]{8}$/);
    assert.equal(decoded(t.posts[0]).header.id, `${outcome.sessionId}-1`);
  });

  test('every message the runner POSTed in these tests is valid against the BBF schemas', () => {
    const bodies = transports.flatMap((t) => t.posts).filter((b): b is string => b !== null);
    assert.ok(bodies.length >= 25, `only ${bodies.length} messages captured`);
    assertValidCwmp(bodies);
  });

  test('the transport is closed even when closing fails', async () => {
    const t = new FakeTransport([NO_CONTENT_REPLY]);
    t.close = async () => {
      t.closed++;
      throw new Error('already gone');
    };
    const outcome = await runSession(options(t));
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /without answering the Inform/);
    assert.equal(t.closed, 1);
  });
});
