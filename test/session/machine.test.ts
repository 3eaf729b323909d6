import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode } from '../../src/cwmp/index.js';
import { assertValidCwmp } from '../helpers/schema.js';
import {
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  NS_CWMP_1_3,
  NS_CWMP_1_4,
  type AcsRequest,
  type CwmpNamespace,
  type Envelope,
  type Header,
} from '../../src/cwmp/types.js';
import {
  SUPPORTED_CWMP_VERSIONS,
  startSession as machineStart,
  transition as machineTransition,
  type Effect,
  type SessionConfig,
  type SessionEvent,
  type SessionState,
  type Step,
} from '../../src/session/machine.js';
import {
  EMPTY_200,
  GPV,
  GPV_RESPONSE,
  INFORM,
  INFORM_RESPONSE,
  NO_CONTENT,
  TC_RESPONSE,
  acsFault,
  reply,
  transferComplete,
} from './fixtures.js';

// ---- helpers -------------------------------------------------------------------------------

function start(cfg: Partial<SessionConfig> = {}): Step {
  return startSession({ inform: INFORM, idPrefix: 'p', ...cfg });
}

/** Feeds events one by one; returns the last step and every effect seen. */
function feed(step: Step, ...events: SessionEvent[]): Step & { all: Effect[] } {
  const all: Effect[] = [...step.effects];
  let s = step;
  for (const e of events) {
    s = transition(s.state, e);
    all.push(...s.effects);
  }
  return { ...s, all };
}

/** Every envelope the machine produced in these tests (but the property test), schema-checked at the end. */
const produced: Envelope[] = [];

function record(step: Step): Step {
  for (const e of step.effects) if (e.type === 'send' && e.envelope !== null) produced.push(e.envelope);
  return step;
}

const startSession = (cfg: SessionConfig): Step => record(machineStart(cfg));
const transition = (state: SessionState, event: SessionEvent): Step => record(machineTransition(state, event));

/** The envelope the step POSTs; fails when the step sends nothing. */
function sent(step: Step): Envelope | null {
  const sends = step.effects.filter((e) => e.type === 'send');
  assert.equal(sends.length, 1, `expected one send, effects: ${JSON.stringify(step.effects.map((e) => e.type))}`);
  return (sends[0] as Extract<Effect, { type: 'send' }>).envelope;
}

function sentEnvelope(step: Step): Envelope {
  const env = sent(step);
  assert.ok(env !== null, 'expected a SOAP envelope, got an empty POST');
  return env;
}

function done(step: Step): Extract<Effect, { type: 'done' }> {
  const d = step.effects.find((e) => e.type === 'done');
  assert.ok(d, `expected done, effects: ${JSON.stringify(step.effects)}`);
  return d as Extract<Effect, { type: 'done' }>;
}

function failedWith(step: Step, pattern: RegExp): Extract<Effect, { type: 'done' }> {
  const d = done(step);
  assert.equal(d.ok, false);
  assert.match((d as { error: string }).error, pattern);
  assert.equal(step.state.status, 'failed');
  assert.ok(!step.effects.some((e) => e.type === 'send'), 'a failed step sends nothing');
  return d;
}

function request(body: AcsRequest, header: Header = {}, ns: CwmpNamespace = NS_CWMP_1_2): SessionEvent {
  return reply(body, header, ns);
}

function handled(response: Extract<SessionEvent, { type: 'handled' }>['response']): SessionEvent {
  return { type: 'handled', response };
}

// ---- start -----------------------------------------------------------------------------------

describe('session machine', () => {
  test('starts by POSTing the Inform in cwmp-1-2 with ID, SessionTimeout and SupportedCWMPVersions', () => {
    const s = start({ sessionTimeoutSec: 45 });
    const env = sentEnvelope(s);
    assert.equal(env.ns, NS_CWMP_1_2);
    assert.deepEqual(env.header, { id: 'p-1', sessionTimeout: 45, supportedCwmpVersions: SUPPORTED_CWMP_VERSIONS });
    assert.equal(SUPPORTED_CWMP_VERSIONS, '1.0,1.1,1.2,1.3,1.4');
    assert.deepEqual(env.body, INFORM);
    assert.equal(s.state.status, 'informing');
    assert.equal(s.state.messages, 1);
  });

  test('full session: Inform → TransferComplete → empty POST → GPV → 204', () => {
    let s: Step = start({ cpeRequests: [transferComplete('dl-1')] });
    s = transition(s.state, INFORM_RESPONSE);
    assert.deepEqual(s.effects[0], { type: 'inform-acknowledged' });
    let env = sentEnvelope(s);
    assert.equal(env.body.method, 'TransferComplete');
    assert.deepEqual(env.header, { id: 'p-2' }, 'SessionTimeout/SupportedCWMPVersions only on the Inform');
    assert.equal(s.state.status, 'cpe-request');

    s = transition(s.state, TC_RESPONSE);
    assert.deepEqual(s.effects[0], { type: 'cpe-request-acknowledged', index: 0, method: 'TransferComplete' });
    assert.equal(sent(s), null);
    assert.equal(s.state.status, 'empty-post-sent');
    assert.equal(s.state.cpeRequestsOver, true);

    s = transition(s.state, request(GPV, { id: 'acs-7' }));
    assert.deepEqual(s.effects, [{ type: 'handle', request: GPV, id: 'acs-7' }]);
    assert.equal(s.state.status, 'handling');

    s = transition(s.state, handled(GPV_RESPONSE));
    assert.deepEqual(s.effects[0], { type: 'answered', method: 'GetParameterValues', id: 'acs-7' });
    env = sentEnvelope(s);
    assert.deepEqual(env, { ns: NS_CWMP_1_2, header: { id: 'acs-7' }, body: GPV_RESPONSE });
    assert.equal(s.state.status, 'responded');

    s = transition(s.state, NO_CONTENT);
    assert.deepEqual(s.effects, [{ type: 'done', ok: true }]);
    assert.equal(s.state.status, 'done');
    assert.equal(s.state.messages, 4);
  });

  test('no CPE requests: InformResponse → empty POST → 204 ends well; an empty 200 counts as 204', () => {
    for (const end of [NO_CONTENT, EMPTY_200]) {
      let s = transition(start().state, INFORM_RESPONSE);
      assert.equal(sent(s), null);
      s = transition(s.state, end);
      assert.deepEqual(done(s), { type: 'done', ok: true });
    }
  });

  test('a 204 with a body is still empty; a 200 without decoded body is empty', () => {
    const s = feed(start(), INFORM_RESPONSE, { type: 'reply', status: 204, decoded: { ok: false, error: { code: 'malformed', message: 'x' } } });
    assert.deepEqual(done(s), { type: 'done', ok: true });
    const t = feed(start(), INFORM_RESPONSE, { type: 'reply', status: 200 });
    assert.deepEqual(done(t), { type: 'done', ok: true });
  });

  test('CPE requests go one at a time, each waiting for its response', () => {
    let s = feed(start({ cpeRequests: [transferComplete('a'), transferComplete('b'), { method: 'GetRPCMethods' }] }), INFORM_RESPONSE);
    const ids: string[] = [];
    for (const [i, expected] of [['TransferCompleteResponse'], ['TransferCompleteResponse'], ['GetRPCMethodsResponse']].entries()) {
      const env = sentEnvelope(s);
      ids.push(env.header.id as string);
      s = feed(s, reply(expected[0] === 'GetRPCMethodsResponse' ? { method: 'GetRPCMethodsResponse', methodList: ['Inform'] } : { method: 'TransferCompleteResponse' }, { id: env.header.id }));
      assert.ok(s.effects.some((e) => e.type === 'cpe-request-acknowledged' && e.index === i));
    }
    assert.deepEqual(ids, ['p-2', 'p-3', 'p-4']);
    assert.equal(sent(s), null);
    assert.equal(s.state.status, 'empty-post-sent');
  });

  // ---- HoldRequests -----------------------------------------------------------------------------

  test('HoldRequests true then false: requests wait, ACS requests are answered, then requests go', () => {
    let s = transition(start({ cpeRequests: [transferComplete('dl-1')] }).state, reply({ method: 'InformResponse', maxEnvelopes: 1 }, { holdRequests: true }));
    assert.equal(sent(s), null, 'held: empty POST instead of TransferComplete');
    assert.equal(s.state.status, 'held');
    assert.equal(s.state.cpeRequestsOver, false);

    s = transition(s.state, request(GPV, { id: 'g1', holdRequests: true }));
    s = transition(s.state, handled(GPV_RESPONSE));
    assert.equal(sentEnvelope(s).header.id, 'g1');
    s = transition(s.state, request(GPV, { id: 'g2', holdRequests: false }));
    s = transition(s.state, handled(GPV_RESPONSE));
    assert.equal(sentEnvelope(s).body.method, 'GetParameterValuesResponse', 'a request is answered before any CPE request');

    s = transition(s.state, NO_CONTENT); // empty reply: HoldRequests now false, nothing more from the ACS
    assert.equal(sentEnvelope(s).body.method, 'TransferComplete');
    s = transition(s.state, TC_RESPONSE);
    assert.equal(sent(s), null);
    assert.equal(s.state.status, 'empty-post-sent');
    s = transition(s.state, NO_CONTENT);
    assert.deepEqual(done(s), { type: 'done', ok: true });
  });

  test('HoldRequests on a TransferCompleteResponse holds the next request', () => {
    let s = feed(start({ cpeRequests: [transferComplete('a'), transferComplete('b')] }), INFORM_RESPONSE);
    s = feed(s, reply({ method: 'TransferCompleteResponse' }, { holdRequests: true }));
    assert.equal(sent(s), null);
    assert.equal(s.state.status, 'held');
    s = feed(s, NO_CONTENT);
    assert.equal((sentEnvelope(s).body as { commandKey: string }).commandKey, 'b');
  });

  test('held with nothing left: an empty reply ends the session (no second empty POST)', () => {
    const s = feed(start(), reply({ method: 'InformResponse', maxEnvelopes: 1 }, { holdRequests: true }), NO_CONTENT);
    assert.deepEqual(s.all.filter((e) => e.type === 'send').length, 2);
    assert.deepEqual(done(s), { type: 'done', ok: true });
  });

  test('no CPE request after the final empty POST, even when a later reply says HoldRequests false', () => {
    let s = feed(start({ cpeRequests: [] }), INFORM_RESPONSE);
    assert.equal(s.state.cpeRequestsOver, true);
    s = feed(s, request(GPV, { holdRequests: false }), handled(GPV_RESPONSE), NO_CONTENT);
    assert.deepEqual(done(s), { type: 'done', ok: true });
  });

  // ---- ACS requests in any phase ---------------------------------------------------------------

  test('an ACS request in reply to the Inform is answered next; the InformResponse may follow', () => {
    let s = feed(start({ cpeRequests: [transferComplete('a')] }), request(GPV, { id: 'early' }, NS_CWMP_1_0));
    assert.equal(s.state.status, 'handling');
    s = feed(s, handled(GPV_RESPONSE));
    const env = sentEnvelope(s);
    assert.equal(env.header.id, 'early');
    assert.equal(env.ns, NS_CWMP_1_0, 'answered in the namespace the ACS speaks');
    assert.equal(s.state.informAcknowledged, false);
    s = feed(s, reply({ method: 'InformResponse', maxEnvelopes: 1 }, {}, NS_CWMP_1_0));
    assert.ok(s.effects.some((e) => e.type === 'inform-acknowledged'));
    assert.equal(sentEnvelope(s).body.method, 'TransferComplete');
  });

  test('an empty reply while the Inform is unanswered fails the session', () => {
    const s = feed(start(), request(GPV), handled(GPV_RESPONSE), NO_CONTENT);
    failedWith(s, /without answering the Inform/);
  });

  test('an ACS request in reply to a TransferComplete is answered, then its response still counts', () => {
    let s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, request(GPV, { id: 'mid' }));
    assert.equal(s.state.status, 'handling');
    s = feed(s, handled(GPV_RESPONSE));
    assert.equal(sentEnvelope(s).header.id, 'mid');
    s = feed(s, TC_RESPONSE);
    assert.ok(s.effects.some((e) => e.type === 'cpe-request-acknowledged' && e.index === 0));
    assert.equal(sent(s), null);
  });

  test('an empty reply while a TransferComplete is unanswered fails and does not acknowledge it', () => {
    const s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, NO_CONTENT);
    failedWith(s, /without answering our TransferComplete/);
    assert.ok(!s.all.some((e) => e.type === 'cpe-request-acknowledged'));
  });

  test('the response echoes the request cwmp:ID exactly; no ID in, no ID out', () => {
    for (const id of ['1a21276ff830006', ' spaced id ', 'x&<y>"\'', 'ünï', '']) {
      const s = feed(start(), INFORM_RESPONSE, request(GPV, { id }), handled(GPV_RESPONSE));
      assert.deepEqual(sentEnvelope(s).header, { id });
    }
    const s = feed(start(), INFORM_RESPONSE, request(GPV), handled(GPV_RESPONSE));
    assert.deepEqual(sentEnvelope(s).header, {});
  });

  test('ACS GetRPCMethods is an ACS request handed to the handler', () => {
    const s = feed(start(), INFORM_RESPONSE, request({ method: 'GetRPCMethods' }, { id: 'r' }));
    assert.deepEqual(s.effects, [{ type: 'handle', request: { method: 'GetRPCMethods' }, id: 'r' }]);
  });

  // ---- namespaces --------------------------------------------------------------------------------

  const nsCases: [string, CwmpNamespace, string | undefined, CwmpNamespace][] = [
    ['cwmp-1-2 answer', NS_CWMP_1_2, undefined, NS_CWMP_1_2],
    ['cwmp-1-0 answer', NS_CWMP_1_0, undefined, NS_CWMP_1_0],
    ['cwmp-1-1 answer', NS_CWMP_1_1, undefined, NS_CWMP_1_1],
    ['cwmp-1-3 is read as 1-2', NS_CWMP_1_3, undefined, NS_CWMP_1_2],
    ['cwmp-1-4 is read as 1-2', NS_CWMP_1_4, undefined, NS_CWMP_1_2],
    ['UseCWMPVersion 1.1 wins', NS_CWMP_1_2, '1.1', NS_CWMP_1_1],
    ['UseCWMPVersion 1.0 wins', NS_CWMP_1_2, '1.0', NS_CWMP_1_0],
    ['UseCWMPVersion 1.4 → cwmp-1-2', NS_CWMP_1_0, '1.4', NS_CWMP_1_2],
    ['UseCWMPVersion 1.3 → cwmp-1-2', NS_CWMP_1_1, ' 1.3 ', NS_CWMP_1_2],
  ];
  for (const [name, answerNs, use, expected] of nsCases) {
    test(`namespace for the rest of the session: ${name}`, () => {
      const header: Header = use === undefined ? {} : { useCwmpVersion: use };
      let s = feed(start({ cpeRequests: [transferComplete('a')] }), reply({ method: 'InformResponse', maxEnvelopes: 1 }, header, answerNs));
      assert.equal(sentEnvelope(s).ns, expected);
      s = feed(s, reply({ method: 'TransferCompleteResponse' }, {}, NS_CWMP_1_2));
      // a later ACS message in another namespace does not change the session's namespace
      s = feed(s, request(GPV, { id: 'q' }, NS_CWMP_1_1), handled(GPV_RESPONSE));
      assert.equal(sentEnvelope(s).ns, expected);
    });
  }

  test('an unknown UseCWMPVersion is reported and the answer namespace is kept', () => {
    const s = feed(start(), reply({ method: 'InformResponse', maxEnvelopes: 1 }, { useCwmpVersion: '2.0' }, NS_CWMP_1_1));
    assert.ok(s.effects.some((e) => e.type === 'warn' && /2\.0/.test(e.message)));
    assert.equal(s.state.ns, NS_CWMP_1_1);
  });

  test('cwmp-1-4 is never sent, even for an early ACS request in that namespace', () => {
    const s = feed(start(), request(GPV, {}, NS_CWMP_1_4), handled(GPV_RESPONSE));
    assert.equal(sentEnvelope(s).ns, NS_CWMP_1_2);
  });

  // ---- faults ---------------------------------------------------------------------------------

  test('a SOAP fault in reply to the Inform fails the session with a sentence', () => {
    let s = feed(start(), reply(acsFault(8005, 'Retry request')));
    failedWith(s, /^ACS answered the Inform with fault 8005 \(Retry request\)$/);
    s = feed(start(), reply(acsFault(8006, '')));
    failedWith(s, /^ACS answered the Inform with fault 8006$/);
    assert.ok(!s.all.some((e) => e.type === 'inform-acknowledged'));
  });

  test('fault text quoted in the error is one printable line of bounded length', () => {
    const s = feed(start(), reply(acsFault(8002, `line1\nline2\u0000${'z'.repeat(500)}`)));
    const d = failedWith(s, /fault 8002 \(line1 line2 z+…\)$/) as { error: string };
    assert.ok(d.error.length < 260);
  });

  test('fault 8005 to a TransferComplete keeps it for a later session and carries on', () => {
    let s = feed(start({ cpeRequests: [transferComplete('a'), transferComplete('b')] }), INFORM_RESPONSE, reply(acsFault(8005, 'Retry request')));
    assert.deepEqual(s.effects[0], {
      type: 'cpe-request-failed',
      index: 0,
      fault: { faultCode: 8005, faultString: 'Retry request' },
      disposition: 'retry-later',
    });
    assert.equal((sentEnvelope(s).body as { commandKey: string }).commandKey, 'b');
    s = feed(s, TC_RESPONSE, NO_CONTENT);
    assert.deepEqual(done(s), { type: 'done', ok: true });
    assert.ok(!s.all.some((e) => e.type === 'cpe-request-acknowledged' && e.index === 0));
  });

  for (const code of [8000, 8001]) {
    test(`fault ${code} to a TransferComplete drops it and carries on`, () => {
      const s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, reply(acsFault(code)));
      assert.deepEqual(s.effects[0], { type: 'cpe-request-failed', index: 0, fault: { faultCode: code, faultString: 'x' }, disposition: 'drop' });
      assert.equal(sent(s), null);
      assert.equal(s.state.status, 'empty-post-sent');
    });
  }

  for (const code of [8002, 8003, 8004, 8006, 8800, 9002]) {
    test(`fault ${code} to a TransferComplete fails the session and keeps the request`, () => {
      const s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, reply(acsFault(code, 'Nope')));
      assert.equal(s.effects[0].type, 'cpe-request-failed');
      assert.equal((s.effects[0] as { disposition: string }).disposition, 'retry-later');
      failedWith(s, new RegExp(`^ACS answered our TransferComplete with fault ${code} \\(Nope\\)$`));
    });
  }

  test('a fault when no request of ours is waiting fails the session', () => {
    const s = feed(start(), INFORM_RESPONSE, reply(acsFault(8002)));
    failedWith(s, /fault 8002 .*in reply to our empty POST/);
  });

  test('an unknown ACS method is answered with SOAP fault 9000 (Server) under its ID', () => {
    const s = feed(start(), INFORM_RESPONSE, reply({ method: 'Unknown', name: 'X_ACME_Frobnicate' }, { id: 'u1' }));
    const env = sentEnvelope(s);
    assert.equal(env.header.id, 'u1');
    assert.equal(env.body.method, 'Fault');
    assert.deepEqual({ ...env.body }, { method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode: 9000, faultString: 'Method not supported: X_ACME_Frobnicate' });
    assert.ok(s.effects.some((e) => e.type === 'answered' && e.method === 'X_ACME_Frobnicate' && e.faultCode === 9000));
    assert.equal(s.state.status, 'responded');
  });

  test('a CPE-only method sent by the ACS (Inform, TransferComplete…) is answered with 9000', () => {
    for (const body of [INFORM, transferComplete('z')]) {
      const s = feed(start(), INFORM_RESPONSE, reply(body, { id: 'c' }));
      const env = sentEnvelope(s);
      assert.equal(env.body.method, 'Fault');
      assert.equal((env.body as { faultCode: number }).faultCode, 9000);
      assert.equal(env.header.id, 'c');
    }
  });

  test('an ACS request with invalid arguments is answered with fault 9003 (Client) under its ID', () => {
    const bad: SessionEvent = {
      type: 'reply',
      status: 200,
      decoded: { ok: false, error: { code: 'invalid', message: 'NextLevel is not a boolean', id: 'gpn-3', method: 'GetParameterNames' } },
    };
    const s = feed(start(), INFORM_RESPONSE, bad);
    const env = sentEnvelope(s);
    assert.equal(env.header.id, 'gpn-3');
    assert.equal(env.body.method, 'Fault');
    const f = env.body as { faultcode: string; faultCode: number; faultString: string };
    assert.equal(f.faultcode, 'Client');
    assert.equal(f.faultCode, 9003);
    assert.match(f.faultString, /NextLevel/);
    assert.ok(s.effects.some((e) => e.type === 'answered' && e.method === 'GetParameterNames' && e.faultCode === 9003));
  });

  test('an invalid InformResponse fails the session instead of being answered', () => {
    const s = feed(start(), { type: 'reply', status: 200, decoded: { ok: false, error: { code: 'invalid', message: 'MaxEnvelopes', method: 'InformResponse' } } });
    failedWith(s, /invalid InformResponse/);
  });

  for (const code of ['malformed', 'forbidden', 'too-large', 'too-deep', 'not-soap'] as const) {
    test(`an unreadable reply (${code}) fails the session`, () => {
      const s = feed(start(), INFORM_RESPONSE, { type: 'reply', status: 200, decoded: { ok: false, error: { code, message: 'bad bytes' } } });
      failedWith(s, new RegExp(`unreadable reply \\(${code}: bad bytes\\)`));
    });
  }

  // ---- HTTP statuses and transport ---------------------------------------------------------------

  for (const status of [400, 401, 403, 404, 302, 500, 502]) {
    test(`HTTP ${status} fails the session with a sentence`, () => {
      const s = feed(start(), { type: 'reply', status });
      failedWith(s, new RegExp(`^ACS answered HTTP ${status} to the Inform$`));
    });
  }

  test('HTTP 503 carries Retry-After; the 400 text of GenieACS is quoted', () => {
    let s = feed(start(), { type: 'reply', status: 503, retryAfterSeconds: 60 });
    assert.deepEqual(done(s), { type: 'done', ok: false, error: 'ACS answered HTTP 503 to the Inform', retryAfterSeconds: 60 });
    s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, TC_RESPONSE, { type: 'reply', status: 400, detail: 'Bad session state' });
    failedWith(s, /^ACS answered HTTP 400 to our empty POST: Bad session state$/);
    s = feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, { type: 'reply', status: 500 });
    failedWith(s, /to our TransferComplete$/);
    s = feed(start(), INFORM_RESPONSE, request(GPV), handled(GPV_RESPONSE), { type: 'reply', status: 500 });
    failedWith(s, /to our response$/);
  });

  test('a transport error fails the session with its sentence and Retry-After', () => {
    const s = feed(start(), { type: 'transport-error', error: { message: 'connection refused by acs.example:7547', retryAfterSeconds: 30 } });
    assert.deepEqual(done(s), { type: 'done', ok: false, error: 'connection refused by acs.example:7547', retryAfterSeconds: 30 });
    const t = feed(start(), INFORM_RESPONSE, { type: 'transport-error', error: new Error('ACS did not answer within 60 s') });
    assert.deepEqual(done(t), { type: 'done', ok: false, error: 'ACS did not answer within 60 s' });
  });

  // ---- unexpected messages and misuse -------------------------------------------------------------

  test('unexpected responses fail the session', () => {
    failedWith(feed(start(), TC_RESPONSE), /unexpected TransferCompleteResponse in reply to the Inform/);
    failedWith(feed(start(), INFORM_RESPONSE, INFORM_RESPONSE), /unexpected InformResponse in reply to our empty POST/);
    failedWith(feed(start(), INFORM_RESPONSE, reply(GPV_RESPONSE)), /GetParameterValuesResponse, which only a CPE sends/);
    failedWith(
      feed(start({ cpeRequests: [transferComplete('a')] }), INFORM_RESPONSE, reply({ method: 'KickedResponse', nextUrl: '' })),
      /unexpected KickedResponse in reply to our TransferComplete/,
    );
  });

  test('a response under another cwmp:ID is accepted with a warning', () => {
    const s = feed(start(), reply({ method: 'InformResponse', maxEnvelopes: 1 }, { id: 'other' }));
    assert.ok(s.effects.some((e) => e.type === 'inform-acknowledged'));
    assert.ok(s.effects.some((e) => e.type === 'warn' && /p-1/.test(e.message) && /other/.test(e.message)));
  });

  test('a handler answer of the wrong kind becomes fault 9002', () => {
    const s = feed(start(), INFORM_RESPONSE, request(GPV, { id: 'w' }), handled({ method: 'RebootResponse' }));
    const env = sentEnvelope(s);
    assert.equal(env.header.id, 'w');
    assert.equal((env.body as { faultCode: number }).faultCode, 9002);
    assert.ok(s.effects.some((e) => e.type === 'warn'));
  });

  test('a handler fault is sent as it is, under the request ID', () => {
    const fault = { method: 'Fault' as const, faultcode: 'Client', faultstring: 'CWMP fault', faultCode: 9005, faultString: 'Invalid parameter name' };
    const s = feed(start(), INFORM_RESPONSE, request(GPV, { id: 'f' }), handled(fault));
    assert.deepEqual(sentEnvelope(s), { ns: NS_CWMP_1_2, header: { id: 'f' }, body: fault });
    assert.ok(s.effects.some((e) => e.type === 'answered' && e.faultCode === 9005));
  });

  test('events that do not fit the state are programming errors', () => {
    const finished = feed(start(), INFORM_RESPONSE, NO_CONTENT).state;
    assert.throws(() => transition(finished, NO_CONTENT), /session is over/);
    assert.throws(() => transition(start().state, handled(GPV_RESPONSE)), /'handled' event while informing/);
    const handling = feed(start(), request(GPV)).state;
    assert.throws(() => transition(handling, NO_CONTENT), /while the handler is running/);
  });

  // ---- message cap -------------------------------------------------------------------------------

  test('a looping ACS is cut off at the message cap', () => {
    let s: Step = start({ maxMessages: 5 });
    s = transition(s.state, INFORM_RESPONSE); // POST 2 (empty)
    let posts = 2;
    for (let i = 0; i < 10 && s.state.status !== 'failed'; i++) {
      s = transition(s.state, request(GPV, { id: `loop-${i}` }));
      s = transition(s.state, handled(GPV_RESPONSE));
      if (s.effects.some((e) => e.type === 'send')) posts++;
    }
    assert.equal(posts, 5);
    assert.equal(s.state.messages, 5);
    failedWith(s, /after 5 messages/);
  });

  test('the default cap is 10,000 messages', () => {
    assert.equal(start().state.config.maxMessages, 10_000);
  });

  test('every envelope the machine produced above is valid against the BBF schemas', () => {
    assert.ok(produced.length > 50, `only ${produced.length} envelopes captured`);
    assert.ok(new Set(produced.map((e) => e.ns)).size >= 3, 'all three namespaces covered');
    assertValidCwmp(produced.map((e) => encode(e)));
  });

  // ---- invariants under random ACS behaviour -------------------------------------------------------

  test('property: whatever the ACS does, the CPE rules hold and the session ends', () => {
    const acsMove = fc.oneof(
      fc.constant<'inform-response'>('inform-response'),
      fc.constant<'tc-response'>('tc-response'),
      fc.constant<'request'>('request'),
      fc.constant<'unknown'>('unknown'),
      fc.constant<'empty'>('empty'),
      fc.constant<'fault-8005'>('fault-8005'),
      fc.constant<'fault-8000'>('fault-8000'),
      fc.constant<'http-500'>('http-500'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(acsMove, fc.boolean()), { maxLength: 40 }), fc.integer({ min: 0, max: 3 }), (moves, nRequests) => {
        const cpeRequests = Array.from({ length: nRequests }, (_, i) => transferComplete(`k${i}`));
        let s: Step = machineStart({ inform: INFORM, idPrefix: 'p', cpeRequests, maxMessages: 30 });
        assert.equal(sent(s)?.body.method, 'Inform');
        let emptyPostWithHoldFalse = false;
        let outstanding = 1; // the Inform
        let acked = false;
        for (const [move, hold] of moves) {
          if (s.state.status === 'done' || s.state.status === 'failed') break;
          const header: Header = { id: `a${s.state.messages}`, holdRequests: hold };
          let ev: SessionEvent;
          switch (move) {
            case 'inform-response':
              ev = reply({ method: 'InformResponse', maxEnvelopes: 1 }, header);
              break;
            case 'tc-response':
              ev = reply({ method: 'TransferCompleteResponse' }, header);
              break;
            case 'request':
              ev = request(GPV, header);
              break;
            case 'unknown':
              ev = reply({ method: 'Unknown', name: 'Foo' }, header);
              break;
            case 'empty':
              ev = NO_CONTENT;
              break;
            case 'fault-8005':
              ev = reply(acsFault(8005), header);
              break;
            case 'fault-8000':
              ev = reply(acsFault(8000), header);
              break;
            default:
              ev = { type: 'reply', status: 500 };
          }
          s = machineTransition(s.state, ev);
          if (s.state.status === 'handling') s = machineTransition(s.state, handled(GPV_RESPONSE));
          if (s.effects.some((e) => e.type === 'inform-acknowledged')) acked = true;
          outstanding -= s.effects.filter((e) => e.type === 'inform-acknowledged' || e.type === 'cpe-request-acknowledged' || e.type === 'cpe-request-failed').length;
          const sends = s.effects.filter((e) => e.type === 'send');
          assert.ok(sends.length <= 1, 'one POST at a time');
          if (sends.length === 0) continue;
          const env = (sends[0] as Extract<Effect, { type: 'send' }>).envelope;
          const isRequestOfOurs = env !== null && (env.body.method === 'TransferComplete' || env.body.method === 'Inform');
          // an ACS request is answered in the very next POST, under its ID
          if (move === 'request' || move === 'unknown') {
            assert.ok(env !== null && (env.body.method === 'GetParameterValuesResponse' || env.body.method === 'Fault'));
            assert.equal(env.header.id, header.id);
          }
          if (isRequestOfOurs) {
            assert.ok(acked, 'no CPE request before the InformResponse');
            assert.ok(!emptyPostWithHoldFalse, 'no CPE request after the final empty POST');
            assert.equal(outstanding, 0, 'one CPE request outstanding at most');
            assert.ok(!(ev.type === 'reply' && ev.status === 200 && hold), 'no CPE request while HoldRequests');
            outstanding++;
          }
          if (env === null && !s.state.holdRequests) emptyPostWithHoldFalse = true;
          assert.notEqual(env?.ns, NS_CWMP_1_4);
        }
        assert.ok(s.state.messages <= 30);
        const st: SessionState = s.state;
        assert.ok(['informing', 'cpe-request', 'held', 'empty-post-sent', 'responded', 'done', 'failed'].includes(st.status));
      }),
      { numRuns: 500 },
    );
  });
});
