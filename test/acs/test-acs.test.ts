// The test ACS itself, driven by the real transport (openHttpSession) playing a scripted CPE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NS_CWMP_1_2, decode, encode, type CwmpNamespace, type Envelope, type Message } from '../../src/cwmp/index.js';
import { openHttpSession, type HttpSessionOptions } from '../../src/transport/http-session.js';
import { TransportError, type CwmpTransport, type HttpReply } from '../../src/transport/types.js';
import { digestResponse, parseAuthorization } from '../../src/transport/digest.js';
import { testCerts } from '../helpers/certs.js';
import { sendConnectionRequest, startTestAcs, type TestAcs, type TestAcsOptions } from './index.js';

const xml = (id: string, body: Message, ns: CwmpNamespace = NS_CWMP_1_2) => encode({ ns, header: { id }, body });
const informXml = (id = 'inform-1', serial = 'SN0001', ns: CwmpNamespace = NS_CWMP_1_2) =>
  xml(id, {
    method: 'Inform',
    deviceId: { manufacturer: 'Acme', oui: '00A0C9', productClass: 'Box', serialNumber: serial },
    event: [{ eventCode: '1 BOOT', commandKey: '' }],
    maxEnvelopes: 1,
    currentTime: '2025-01-01T00:00:00Z',
    retryCount: 0,
    parameterList: [{ name: 'Device.DeviceInfo.SoftwareVersion', value: '1.0', type: 'xsd:string' }],
  }, ns);

function env(r: HttpReply): Envelope {
  const d = decode(r.body);
  assert.ok(d.ok && d.envelope, `expected a CWMP envelope, got ${r.status} ${r.body.slice(0, 200)}`);
  return d.envelope;
}

/** Runs fn with a test ACS and a CPE transport on it; closes both. */
async function withAcs(
  acsOpts: TestAcsOptions,
  fn: (acs: TestAcs, t: CwmpTransport) => Promise<void>,
  cpeOpts: Partial<HttpSessionOptions> = {},
): Promise<void> {
  const acs = await startTestAcs(acsOpts);
  const t = openHttpSession({ url: acs.url, ...cpeOpts });
  try {
    await fn(acs, t);
  } finally {
    await t.close();
    await acs.close();
  }
}

test('a GenieACS-like session: cookie, echoed ID, queued requests one per reply, 204 + Connection: close', async () => {
  await withAcs({}, async (acs, t) => {
    const answers = acs.queue(
      { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.'] },
      { method: 'Reboot', commandKey: 'rb1' },
    );
    const r1 = await t.post(informXml('abc'));
    assert.equal(r1.status, 200);
    assert.match(String(r1.headers['set-cookie']), /^session=[0-9a-f]{16}$/);
    const ir = env(r1);
    assert.deepEqual([ir.ns, ir.header.id, ir.body.method], [NS_CWMP_1_2, 'abc', 'InformResponse']);

    const gpv = env(await t.post(null));
    assert.equal(gpv.body.method, 'GetParameterValues');
    const reboot = env(await t.post(xml(gpv.header.id!, { method: 'GetParameterValuesResponse', parameterList: [] })));
    assert.equal(reboot.body.method, 'Reboot');
    assert.notEqual(reboot.header.id, gpv.header.id, 'a fresh cwmp:ID for each request');
    const end = await t.post(xml(reboot.header.id!, { method: 'RebootResponse' }));
    assert.deepEqual([end.status, end.body, end.headers.connection], [204, '', 'close']);

    const got = await answers;
    assert.deepEqual(got.map((a) => [a.request.method, a.answer.method, a.session]), [
      ['GetParameterValues', 'GetParameterValuesResponse', 1],
      ['Reboot', 'RebootResponse', 1],
    ]);
    const s = await acs.waitForSession(1);
    assert.equal(s.state, 'ended');
    assert.deepEqual(s.messages.map((m) => m.rpc), ['Inform', 'empty', 'GetParameterValuesResponse', 'RebootResponse']);
    assert.deepEqual(s.connections, [1]);
    assert.equal(acs.connectionCount, 1);
    assert.equal(acs.informs()[0].deviceId.serialNumber, 'SN0001');
    assert.equal(s.exchanges.length, 2);
    assert.deepEqual(acs.violations, []);
  });
});

test('CPE requests before the empty POST are answered; methods GenieACS does not know get fault 8000', async () => {
  await withAcs({}, async (acs, t) => {
    await t.post(informXml());
    const tc = env(await t.post(xml('tc1', {
      method: 'TransferComplete', commandKey: 'dl', faultStruct: { faultCode: 0, faultString: '' },
      startTime: '2025-01-01T00:00:00Z', completeTime: '2025-01-01T00:00:05Z',
    })));
    assert.deepEqual([tc.header.id, tc.body.method], ['tc1', 'TransferCompleteResponse']);
    const rpc = env(await t.post(xml('g1', { method: 'GetRPCMethods' })));
    assert.deepEqual(rpc.body, { method: 'GetRPCMethodsResponse', methodList: ['Inform', 'GetRPCMethods', 'TransferComplete'] });
    const kicked = env(await t.post(xml('k1', { method: 'Kicked', command: 'c', referer: 'r', arg: 'a', next: 'n' })));
    assert.equal(kicked.body.method, 'Fault');
    assert.equal((kicked.body as { faultCode: number }).faultCode, 8000);
    assert.equal((await t.post(null)).status, 204);
    const s = await acs.waitForSession(1);
    assert.deepEqual(s.cpeRequests.map((e) => e.body.method), ['TransferComplete', 'GetRPCMethods', 'Kicked']);
    assert.deepEqual(acs.violations, []);
  });
});

test('violations like GenieACS: no cookie, wrong ID, CPE request after the empty POST, header rules', async () => {
  await withAcs({}, async (acs, t) => {
    acs.queue({ method: 'GetParameterNames', parameterPath: 'Device.', nextLevel: true }, { method: 'FactoryReset' });
    await t.post(informXml());
    // A second transport has no cookie: GenieACS answers 400 Invalid session.
    const other = openHttpSession({ url: acs.url });
    try {
      const r = await other.post(null);
      assert.deepEqual([r.status, r.body, r.headers.connection], [400, 'Invalid session', 'close']);
    } finally {
      await other.close();
    }
    const gpn = env(await t.post(null));
    const next = env(await t.post(xml('wrong-id', { method: 'GetParameterNamesResponse', parameterList: [] })));
    assert.equal(next.body.method, 'FactoryReset', 'the session goes on after a wrong ID');
    const bad = await t.post(xml('tc', {
      method: 'TransferComplete', commandKey: '', faultStruct: { faultCode: 0, faultString: '' },
      startTime: '2025-01-01T00:00:00Z', completeTime: '2025-01-01T00:00:00Z',
    }));
    assert.deepEqual([bad.status, bad.body], [400, 'Bad session state']);
    const s = await acs.waitForSession(1);
    assert.deepEqual([s.state, s.failure], ['failed', '400 Bad session state']);
    assert.deepEqual(acs.violations.map((v) => v.rule), ['inform-first', 'id', 'state']);
    assert.match(acs.violations[1].message, new RegExp(`"wrong-id", expected "${gpn.header.id}"`));
  });

  await withAcs({}, async (acs) => {
    // Header rules, checked on hand-made requests.
    const post = (headers: Record<string, string>, body: string) => fetch(acs.url, { method: 'POST', headers, body }).then((r) => r.text());
    await post({ 'Content-Type': 'application/soap+xml', SOAPAction: '"urn:dslforum-org:cwmp-1-2#Inform"' }, informXml());
    await post({ 'Content-Type': 'text/xml', SOAPAction: '' }, '');
    assert.deepEqual(acs.violations.map((v) => v.rule).sort(), ['content-type', 'empty-post-headers', 'empty-post-headers', 'inform-first', 'soapaction']);
  });
});

test('injected faults: 503 + Retry-After, 500, garbage, drop, fault 8005, wrong InformResponse ID, delay', async () => {
  await withAcs({}, async (acs) => {
    acs.inject('Inform', { retryAfter: 60 });
    acs.inject('Inform', { status: 500 });
    acs.inject('Inform', { garbage: true });
    acs.inject('Inform', { drop: true });
    acs.inject('Inform', { fault: { faultCode: 8005, faultString: 'Retry request' } });
    acs.inject('Inform', { id: 'not-yours', delayMs: 50 });
    const replies: (HttpReply | TransportError)[] = [];
    for (let i = 0; i < 6; i++) {
      const t = openHttpSession({ url: acs.url });
      try {
        replies.push(await t.post(informXml(`i${i}`)).catch((e: TransportError) => e));
      } finally {
        await t.close();
      }
    }
    const [r503, r500, garbage, dropped, fault, wrongId] = replies as HttpReply[];
    assert.deepEqual([r503.status, r503.retryAfterSeconds], [503, 60]);
    assert.equal(r500.status, 500);
    assert.equal(garbage.status, 200);
    assert.equal(decode(garbage.body).ok, false);
    assert.ok(dropped instanceof TransportError && dropped.kind === 'closed');
    const f = env(fault);
    assert.deepEqual([f.header.id, f.body.method, (f.body as { faultCode: number }).faultCode], ['i4', 'Fault', 8005]);
    assert.deepEqual([env(wrongId).header.id, env(wrongId).body.method], ['not-yours', 'InformResponse']);
    assert.deepEqual(acs.sessions.map((s) => s.failure ?? s.state), ['HTTP 503', 'HTTP 500', 'garbage reply', 'dropped', 'fault 8005', 'cpe']);
  });
});

test('redirect to another test ACS; chunked replies; HoldRequests in the header', async () => {
  const target = await startTestAcs();
  try {
    await withAcs({}, async (acs, t) => {
      acs.inject('Inform', { redirect: target.url });
      target.inject('Inform', { chunked: true, header: { holdRequests: true } });
      const r = await t.post(informXml());
      const ir = env(r);
      assert.equal(ir.body.method, 'InformResponse');
      assert.equal(ir.header.holdRequests, true);
      assert.equal(r.headers['transfer-encoding'], 'chunked');
      assert.equal((await t.post(null)).status, 204);
      assert.equal((await acs.waitForSession(1)).failure, 'redirected');
      assert.equal((await target.waitForSession(1)).state, 'ended');
      assert.deepEqual(target.violations, []);
    });
  } finally {
    await target.close();
  }
});

test('Digest authentication like GenieACS: challenge, answer on the same connection, wrong password refused', async () => {
  const auth = { type: 'digest' as const, username: '00A0C9-Box-SN0001', password: 'pw' };
  await withAcs({ auth }, async (acs, t) => {
    acs.queue({ method: 'GetRPCMethods' });
    await t.post(informXml());
    const req = env(await t.post(null));
    assert.equal((await t.post(xml(req.header.id!, { method: 'GetRPCMethodsResponse', methodList: ['Inform'] }))).status, 204);
    const statuses = acs.requests.map((p) => [p.connection, p.reply?.status]);
    assert.deepEqual(statuses, [[1, 401], [1, 200], [1, 200], [1, 204]]);
    assert.match(acs.requests[0].reply!.headers['WWW-Authenticate'], /^Digest realm="GenieACS",qop="auth,auth-int",nonce="[0-9a-f]{32}"$/);
    assert.deepEqual(acs.violations, [], 'nc increased and every digest was valid');
  }, { username: '00A0C9-Box-SN0001', password: 'pw' });

  await withAcs({ auth }, async (acs, t) => {
    await assert.rejects(t.post(informXml()), (e: unknown) => e instanceof TransportError && e.kind === 'auth' && /refused the password/.test(e.message));
    assert.deepEqual(acs.requests.map((p) => [p.reply?.status, p.reply?.headers.Connection, !!p.reply?.headers['WWW-Authenticate']]), [
      [401, undefined, true],
      [401, 'close', false],
    ]);
    assert.equal(acs.sessions.length, 0);
  }, { username: '00A0C9-Box-SN0001', password: 'wrong' });
});

test('Digest variants offered by the ACS: SHA-256, auth-int only, opaque', async () => {
  const auth = { type: 'digest' as const, username: 'u', password: 'pw', qop: 'auth-int', algorithm: 'SHA-256', opaque: 'op4que' };
  await withAcs({ auth }, async (acs, t) => {
    await t.post(informXml());
    assert.equal((await t.post(null)).status, 204);
    const a = parseAuthorization(acs.requests[1].headers.authorization)!.params;
    assert.deepEqual([a.algorithm, a.qop, a.opaque, a.nc], ['SHA-256', 'auth-int', 'op4que', '00000001']);
    assert.equal(parseAuthorization(acs.requests[2].headers.authorization)!.params.nc, '00000002');
    assert.deepEqual(acs.requests.map((p) => p.reply?.status), [401, 200, 204]);
    assert.deepEqual(acs.violations, []);
  }, { username: 'u', password: 'pw' });
});

test('a reconnect mid-session keeps the session by its cookie and is challenged again', async () => {
  const auth = { type: 'digest' as const, username: 'u', password: 'pw' };
  await withAcs({ auth }, async (acs, t) => {
    acs.queue({ method: 'GetRPCMethods' });
    acs.inject('Inform', { close: true });
    await t.post(informXml());
    await new Promise((r) => setTimeout(r, 20));
    const req = env(await t.post(null));
    assert.equal((await t.post(xml(req.header.id!, { method: 'GetRPCMethodsResponse', methodList: [] }))).status, 204);
    const s = await acs.waitForSession(1);
    assert.equal(s.state, 'ended');
    assert.deepEqual(s.connections, [1, 2]);
    assert.deepEqual(acs.requests.map((p) => [p.connection, p.reply?.status]), [[1, 401], [1, 200], [2, 401], [2, 200], [2, 204]]);
    assert.deepEqual(acs.violations, []);
  }, { username: 'u', password: 'pw' });
});

test('HTTPS with a client certificate and pre-emptive Basic', async () => {
  const c = await testCerts();
  await withAcs(
    { tls: { certFile: c.serverCertFile, keyFile: c.serverKeyFile, clientCaFile: c.caFile }, auth: { type: 'basic', username: 'u', password: 'pw' } },
    async (acs, t) => {
      assert.ok(acs.url.startsWith('https://127.0.0.1:'));
      await t.post(informXml());
      assert.equal((await t.post(null)).status, 204);
      assert.deepEqual(acs.requests.map((p) => [p.reply?.status, p.clientCertificate]), [[200, '000000-Test-SN0001'], [204, '000000-Test-SN0001']]);
      assert.deepEqual(acs.violations, []);
    },
    { caFile: c.caFile, clientCertFile: c.clientCertFile, username: 'u', password: 'pw' },
  );
});

test('session timeout: a POST later than sessionTimeoutMs gets 400 Invalid session', async () => {
  await withAcs({ sessionTimeoutMs: 100 }, async (acs, t) => {
    await t.post(informXml());
    await new Promise((r) => setTimeout(r, 200));
    const r = await t.post(null);
    assert.deepEqual([r.status, r.body], [400, 'Invalid session']);
    assert.deepEqual(acs.violations.map((v) => v.rule), ['timeout']);
  });
});

test('onRequest handlers, waitForInform and a helpful timeout message', async () => {
  await withAcs({}, async (acs, t) => {
    acs.onRequest((ctx) => (ctx.rpc === 'empty' ? { send: { method: 'ScheduleInform', delaySeconds: 5, commandKey: 'x' }, id: 'si-1' } : undefined));
    await t.post(informXml('i', 'SERIAL-X'));
    const inform = await acs.waitForInform((i) => i.deviceId.serialNumber === 'SERIAL-X');
    assert.equal(inform.event[0].eventCode, '1 BOOT');
    const si = env(await t.post(null));
    assert.deepEqual([si.header.id, si.body.method], ['si-1', 'ScheduleInform']);
    await t.post(xml('si-1', { method: 'ScheduleInformResponse' }));
    assert.equal(acs.sessions[0].exchanges[0].answer?.method, 'ScheduleInformResponse');
    await assert.rejects(acs.waitForInform((i) => i.deviceId.serialNumber === 'nope', 50), /timed out after 50 ms waiting for an Inform; 1 session\(s\)/);
  });
});

test('close() does not wait for a delayed reply', async () => {
  const acs = await startTestAcs();
  acs.inject('Inform', { delayMs: 60_000 });
  const t = openHttpSession({ url: acs.url });
  const pending = t.post(informXml()).catch((e: unknown) => e);
  await acs.waitFor(() => acs.requests.length === 1);
  await acs.close();
  assert.ok((await pending) instanceof TransportError);
  await t.close();
});

test('sendConnectionRequest answers a Digest challenge like GenieACS (MD5, qop=auth)', async () => {
  const seen: (string | undefined)[] = [];
  let offer = 'Digest realm="cpe", qop="auth,auth-int", nonce="n1", opaque="o1"';
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    const a = parseAuthorization(req.headers.authorization);
    const p = a?.params;
    const alg = /algorithm=([\w-]+)/.exec(offer)?.[1];
    if (p && p.response === digestResponse({ algorithm: alg, username: 'cr', realm: 'cpe', password: 'crpw', nonce: 'n1', method: 'GET', uri: p.uri, qop: p.qop, nc: p.nc, cnonce: p.cnonce })) {
      res.writeHead(200, { 'Content-Length': 0 }).end();
      return;
    }
    res.writeHead(401, { 'WWW-Authenticate': offer, 'Content-Length': 0 }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cr?x=1`;
  try {
    const good = await sendConnectionRequest(url, { username: 'cr', password: 'crpw' });
    assert.deepEqual([good.status, good.attempts], [200, 2]);
    const p = parseAuthorization(seen[1])!.params;
    assert.deepEqual([p.uri, p.qop, p.nc, p.opaque], ['/cr?x=1', 'auth', '00000001', 'o1']);
    assert.match(p.cnonce, /^[0-9a-f]{16}$/);
    assert.equal((await sendConnectionRequest(url, { username: 'cr', password: 'bad' })).status, 401);
    // A listener offering only SHA-256 fails with GenieACS (it always hashes MD5)…
    offer = 'Digest realm="cpe", qop="auth", nonce="n1", algorithm=SHA-256';
    assert.equal((await sendConnectionRequest(url, { username: 'cr', password: 'crpw' })).status, 401);
    // …and works with a client that follows RFC 7616.
    assert.equal((await sendConnectionRequest(url, { username: 'cr', password: 'crpw', digest: 'rfc' })).status, 200);
  } finally {
    server.close();
  }
});

test('a drop on a reused connection is resent once by the transport; two drops fail the POST', async () => {
  await withAcs({}, async (acs, t) => {
    acs.inject('empty', { drop: true });
    await t.post(informXml());
    assert.equal((await t.post(null)).status, 204);
    assert.deepEqual(acs.requests.map((p) => [p.connection, p.rpc, p.dropped ? 'drop' : p.reply?.status]), [
      [1, 'Inform', 200],
      [1, 'empty', 'drop'],
      [2, 'empty', 204],
    ]);
  });
  await withAcs({}, async (acs, t) => {
    acs.inject('empty', { drop: true }, 2);
    await t.post(informXml());
    await assert.rejects(t.post(null), (e: unknown) => e instanceof TransportError && e.kind === 'closed');
  });
});
