import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decode,
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  NS_CWMP_1_3,
  NS_CWMP_1_4,
  type DecodeError,
  type DecodeErrorCode,
  type Envelope,
  type Message,
} from '../../src/cwmp/index.js';

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';

/** A GenieACS-style envelope around `body`, with an optional header and prefix set. */
function wrap(body: string, opts: { ns?: string; header?: string; env?: string; cwmp?: string } = {}): string {
  const e = opts.env ?? 'soap-env';
  const c = opts.cwmp ?? 'cwmp';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${e}:Envelope xmlns:${e}="${SOAP}" xmlns:soap-enc="${ENC}" ` +
    `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:${c}="${opts.ns ?? NS_CWMP_1_0}">` +
    `<${e}:Header>${opts.header ?? `<${c}:ID ${e}:mustUnderstand="1">id-9</${c}:ID>`}</${e}:Header>` +
    `<${e}:Body>${body}</${e}:Body></${e}:Envelope>`
  );
}

function ok(text: string): Envelope {
  const r = decode(text);
  if (!r.ok) assert.fail(`decode failed: ${r.error.code}: ${r.error.message}`);
  assert.ok(r.envelope !== null, 'empty envelope');
  return r.envelope;
}

function body(text: string): Message {
  return ok(text).body;
}

function err(text: string, code: DecodeErrorCode): DecodeError {
  const r = decode(text);
  assert.equal(r.ok, false, `expected ${code}, got ${JSON.stringify(r)}`);
  assert.ok(!r.ok);
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}

test('empty, whitespace-only and element-less bodies are an empty message', () => {
  for (const t of ['', ' ', '\r\n\t ', '<?xml version="1.0"?>\n', '<!-- nothing -->']) {
    assert.deepEqual(decode(t), { ok: true, envelope: null }, JSON.stringify(t));
  }
});

test('headers: ID, HoldRequests, NoMoreRequests, SessionTimeout, SupportedCWMPVersions, UseCWMPVersion', () => {
  const h =
    '<cwmp:ID soap-env:mustUnderstand="1"> raw id </cwmp:ID><cwmp:HoldRequests soap-env:mustUnderstand="1">1</cwmp:HoldRequests>' +
    '<cwmp:NoMoreRequests>0</cwmp:NoMoreRequests><cwmp:SessionTimeout soap-env:mustUnderstand="0">60</cwmp:SessionTimeout>' +
    '<cwmp:SupportedCWMPVersions>1.0,1.1,1.2,1.3,1.4</cwmp:SupportedCWMPVersions><cwmp:UseCWMPVersion>1.4</cwmp:UseCWMPVersion>' +
    '<cwmp:X_Unknown soap-env:mustUnderstand="0">x</cwmp:X_Unknown>';
  const e = ok(wrap('<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>', { header: h, ns: NS_CWMP_1_2 }));
  assert.deepEqual(e.header, {
    id: ' raw id ', // echoed exactly as received
    holdRequests: true,
    noMoreRequests: false,
    sessionTimeout: 60,
    supportedCwmpVersions: '1.0,1.1,1.2,1.3,1.4',
    useCwmpVersion: '1.4',
  });
  assert.equal(e.ns, NS_CWMP_1_2);
  // GenieACS's lower-case spelling; booleans true/false too; absent header entirely.
  const g = ok(wrap('<cwmp:RebootResponse/>', { header: '<cwmp:sessionTimeout>30</cwmp:sessionTimeout><cwmp:HoldRequests>false</cwmp:HoldRequests>' }));
  assert.deepEqual(g.header, { sessionTimeout: 30, holdRequests: false });
  const noHeader = `<s:Envelope xmlns:s="${SOAP}" xmlns:c="${NS_CWMP_1_1}"><s:Body><c:RebootResponse/></s:Body></s:Envelope>`;
  assert.deepEqual(ok(noHeader), { ns: NS_CWMP_1_1, header: {}, body: { method: 'RebootResponse' } });
});

test('a bad header value is invalid and still carries the ID', () => {
  const e = err(wrap('<cwmp:RebootResponse/>', { header: '<cwmp:ID>abc</cwmp:ID><cwmp:HoldRequests>maybe</cwmp:HoldRequests>' }), 'invalid');
  assert.equal(e.id, 'abc');
  assert.match(e.message, /HoldRequests/);
});

test('any envelope prefix and the default namespace are resolved', () => {
  for (const prefix of ['SOAP-ENV', 'soapenv', 's', 'soap_env']) {
    assert.equal(body(wrap('<cwmp:FactoryReset/>', { env: prefix })).method, 'FactoryReset', prefix);
  }
  // cwmp as the default namespace of the method element, and under another prefix.
  const dflt = `<Envelope xmlns="${SOAP}"><Header/><Body><GetRPCMethods xmlns="${NS_CWMP_1_1}"/></Body></Envelope>`;
  assert.deepEqual(ok(dflt), { ns: NS_CWMP_1_1, header: {}, body: { method: 'GetRPCMethods' } });
  const other = wrap('<t:Reboot><CommandKey>k</CommandKey></t:Reboot>', { cwmp: 't', ns: NS_CWMP_1_2 });
  assert.deepEqual(ok(other).body, { method: 'Reboot', commandKey: 'k' });
  assert.equal(ok(other).ns, NS_CWMP_1_2);
});

test('the namespace comes from the method element first, then the Body/Envelope declarations', () => {
  const nested = `<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="${NS_CWMP_1_0}"><s:Body xmlns:cwmp="${NS_CWMP_1_1}"><cwmp:Reboot xmlns:cwmp="${NS_CWMP_1_2}"/></s:Body></s:Envelope>`;
  assert.equal(ok(nested).ns, NS_CWMP_1_2);
  const onBody = `<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="${NS_CWMP_1_0}"><s:Body xmlns:cwmp="${NS_CWMP_1_1}"><cwmp:Reboot/></s:Body></s:Envelope>`;
  assert.equal(ok(onBody).ns, NS_CWMP_1_1);
  // Method in a vendor namespace: fall back to the cwmp namespace declared on the envelope.
  const vendor = `<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="${NS_CWMP_1_2}"><s:Body><v:X_ACME_Foo xmlns:v="urn:acme"/></s:Body></s:Envelope>`;
  assert.deepEqual(ok(vendor), { ns: NS_CWMP_1_2, header: {}, body: { method: 'Unknown', name: 'X_ACME_Foo' } });
});

test('all five cwmp namespaces are accepted; anything else is not-soap', () => {
  for (const ns of [NS_CWMP_1_0, NS_CWMP_1_1, NS_CWMP_1_2, NS_CWMP_1_3, NS_CWMP_1_4]) {
    assert.equal(ok(wrap('<cwmp:RebootResponse/>', { ns })).ns, ns);
  }
  assert.match(err(wrap('<cwmp:RebootResponse/>', { ns: 'urn:dslforum-org:cwmp-1-5' }), 'not-soap').message, /namespace/);
});

test('not a SOAP envelope with exactly one Body element → not-soap', () => {
  err('<html><body>hi</body></html>', 'not-soap');
  err(`<s:Envelope xmlns:s="${SOAP}"><s:Header/></s:Envelope>`, 'not-soap');
  err(wrap(''), 'not-soap');
  const two = err(wrap('<cwmp:Reboot/><cwmp:Reboot/>'), 'not-soap');
  assert.equal(two.id, 'id-9');
});

test('XML errors and limits come back typed, never thrown', () => {
  err('<a>', 'malformed');
  err('<!DOCTYPE x [<!ENTITY a "b">]><x/>', 'forbidden');
  err('<a>'.repeat(65) + '</a>'.repeat(65), 'too-deep');
  const msg = wrap(`<cwmp:Reboot><CommandKey>${'x'.repeat(100)}</CommandKey></cwmp:Reboot>`);
  assert.equal(body(msg).method, 'Reboot');
  assert.match(err(msg.padEnd(4 * 1024 * 1024 + 1, ' '), 'too-large').message, /limit/);
  const small = decode(msg, { maxBytes: 200 });
  assert.ok(!small.ok && small.error.code === 'too-large');
  const shallow = decode(msg, { maxDepth: 3 });
  assert.ok(!shallow.ok && shallow.error.code === 'too-deep');
  assert.equal(decode(msg, { maxDepth: 4 }).ok, true);
  assert.equal(err(undefined as unknown as string, 'malformed').code, 'malformed');
});

test('GenieACS fault element soap-env:Body:Fault (a QName with two colons)', () => {
  const x =
    '<soap-env:Body:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault>' +
    '<FaultCode>8000</FaultCode><FaultString>Method not supported</FaultString></cwmp:Fault></detail></soap-env:Body:Fault>';
  assert.deepEqual(body(wrap(x)), {
    method: 'Fault',
    faultcode: 'Server',
    faultstring: 'CWMP fault',
    faultCode: 8000,
    faultString: 'Method not supported',
  });
});

test('faults: faultcode prefix stripped, SetParameterValuesFault list, missing detail, bare cwmp:Fault', () => {
  const spv =
    '<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault>' +
    '<FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>' +
    '<SetParameterValuesFault><ParameterName>A.b</ParameterName><FaultCode>9007</FaultCode><FaultString>bad</FaultString></SetParameterValuesFault>' +
    '<SetParameterValuesFault><ParameterName>A.c</ParameterName><FaultCode>9008</FaultCode></SetParameterValuesFault>' +
    '</cwmp:Fault></detail></SOAP-ENV:Fault>';
  assert.deepEqual(body(wrap(spv, { env: 'SOAP-ENV' })), {
    method: 'Fault',
    faultcode: 'Client',
    faultstring: 'CWMP fault',
    faultCode: 9003,
    faultString: 'Invalid arguments',
    setParameterValuesFault: [
      { parameterName: 'A.b', faultCode: 9007, faultString: 'bad' },
      { parameterName: 'A.c', faultCode: 9008, faultString: '' },
    ],
  });
  assert.deepEqual(body(wrap('<soap-env:Fault><faultcode>soap-env:Server</faultcode><faultstring>oops</faultstring></soap-env:Fault>')), {
    method: 'Fault',
    faultcode: 'Server',
    faultstring: 'oops',
    faultCode: 0,
    faultString: '',
  });
  assert.deepEqual(body(wrap('<cwmp:Fault><FaultCode>8005</FaultCode><FaultString>Retry request</FaultString></cwmp:Fault>')), {
    method: 'Fault',
    faultcode: '',
    faultstring: '',
    faultCode: 8005,
    faultString: 'Retry request',
  });
  const bad = err(wrap('<soap-env:Fault><detail><cwmp:Fault><FaultCode>x</FaultCode></cwmp:Fault></detail></soap-env:Fault>'), 'invalid');
  assert.equal(bad.method, 'Fault');
});

test('raw & in a Download URL (GenieACS does not escape it)', () => {
  const b = body(
    wrap(
      '<cwmp:Download><CommandKey>k&1</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>http://acs:7567/fw.bin?a=1&b=2&amp;c=3</URL>' +
        '<Username></Username><Password></Password><FileSize>0</FileSize><TargetFileName></TargetFileName><DelaySeconds>0</DelaySeconds>' +
        '<SuccessURL></SuccessURL><FailureURL></FailureURL></cwmp:Download>',
    ),
  );
  assert.ok(b.method === 'Download');
  assert.equal(b.url, 'http://acs:7567/fw.bin?a=1&b=2&c=3');
  assert.equal(b.commandKey, 'k&1');
});

test('booleans accept true/false/1/0 (any case, padded); anything else is invalid with method and ID', () => {
  const gpn = (v: string): Message =>
    body(wrap(`<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>${v}</NextLevel></cwmp:GetParameterNames>`));
  for (const [v, want] of [['1', true], ['0', false], ['true', true], ['false', false], [' TRUE ', true], ['False', false]] as const) {
    assert.deepEqual(gpn(v), { method: 'GetParameterNames', parameterPath: 'Device.', nextLevel: want }, v);
  }
  const e = err(wrap('<cwmp:GetParameterNames><ParameterPath>x</ParameterPath><NextLevel>yes</NextLevel></cwmp:GetParameterNames>'), 'invalid');
  assert.equal(e.method, 'GetParameterNames');
  assert.equal(e.id, 'id-9');
  assert.match(e.message, /NextLevel/);
  const w = body(
    wrap(
      '<cwmp:GetParameterNamesResponse><ParameterList><ParameterInfoStruct><Name>A.</Name><Writable>1</Writable></ParameterInfoStruct>' +
        '<ParameterInfoStruct><Name>A.b</Name><Writable>0</Writable></ParameterInfoStruct></ParameterList></cwmp:GetParameterNamesResponse>',
    ),
  );
  assert.deepEqual(w, { method: 'GetParameterNamesResponse', parameterList: [{ name: 'A.', writable: true }, { name: 'A.b', writable: false }] });
});

test('arrays: missing or wrong soap-enc:arrayType, the children are counted', () => {
  const b = body(
    wrap(
      '<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType="xsd:string[7]"><string>A.</string><string>B.c</string></ParameterNames></cwmp:GetParameterValues>',
    ),
  );
  assert.deepEqual(b, { method: 'GetParameterValues', parameterNames: ['A.', 'B.c'] });
  const n = body(wrap('<cwmp:GetParameterValues><ParameterNames><string>A.</string></ParameterNames></cwmp:GetParameterValues>'));
  assert.deepEqual(n, { method: 'GetParameterValues', parameterNames: ['A.'] });
  const none = body(wrap('<cwmp:GetParameterValues></cwmp:GetParameterValues>'));
  assert.deepEqual(none, { method: 'GetParameterValues', parameterNames: [] });
});

test('values: with or without xsi:type, any prefix for the type attribute, CDATA tolerated', () => {
  const b = body(
    wrap(
      '<cwmp:SetParameterValues><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[4]">' +
        '<ParameterValueStruct><Name>A.a</Name><Value xsi:type="xsd:boolean">1</Value></ParameterValueStruct>' +
        '<ParameterValueStruct><Name>A.b</Name><Value>plain</Value></ParameterValueStruct>' +
        '<ParameterValueStruct><Name>A.c</Name><Value xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="xs:int">-3</Value></ParameterValueStruct>' +
        '<ParameterValueStruct><Name>A.d</Name><Value xsi:type="xsd:string"><![CDATA[<b>&amp;</b>]]></Value></ParameterValueStruct>' +
        '</ParameterList><ParameterKey>pk</ParameterKey></cwmp:SetParameterValues>',
    ),
  );
  assert.deepEqual(b, {
    method: 'SetParameterValues',
    parameterList: [
      { name: 'A.a', value: '1', type: 'xsd:boolean' },
      { name: 'A.b', value: 'plain' },
      { name: 'A.c', value: '-3', type: 'xs:int' },
      { name: 'A.d', value: '<b>&amp;</b>', type: 'xsd:string' },
    ],
    parameterKey: 'pk',
  });
});

test('SetParameterAttributes: empty Notification when NotificationChange is false → NaN (GenieACS)', () => {
  const spa = (change: string, n: string): string =>
    wrap(
      '<cwmp:SetParameterAttributes><ParameterList soap-enc:arrayType="cwmp:SetParameterAttributesStruct[1]"><SetParameterAttributesStruct>' +
        `<Name>Device.A</Name><NotificationChange>${change}</NotificationChange><Notification>${n}</Notification>` +
        '<AccessListChange>false</AccessListChange><AccessList soap-enc:arrayType="xsd:string[0]"></AccessList>' +
        '</SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>',
    );
  const b = body(spa('false', ''));
  assert.ok(b.method === 'SetParameterAttributes');
  assert.equal(b.parameterList.length, 1);
  assert.ok(Number.isNaN(b.parameterList[0].notification));
  assert.deepEqual({ ...b.parameterList[0], notification: 0 }, {
    name: 'Device.A',
    notificationChange: false,
    notification: 0,
    accessListChange: false,
    accessList: [],
  });
  const c = body(spa('1', '2'));
  assert.ok(c.method === 'SetParameterAttributes');
  assert.equal(c.parameterList[0].notification, 2);
  const e = err(spa('true', ''), 'invalid');
  assert.equal(e.method, 'SetParameterAttributes');
  assert.equal(e.id, 'id-9');
});

test('a number that is not a number is invalid, naming the method and the ID (→ fault 9003)', () => {
  const cases: [string, string, RegExp][] = [
    ['<cwmp:Download><CommandKey>k</CommandKey><FileSize>12kB</FileSize></cwmp:Download>', 'Download', /FileSize/],
    ['<cwmp:Download><FileSize></FileSize></cwmp:Download>', 'Download', /FileSize/],
    ['<cwmp:ScheduleInform><DelaySeconds>-5</DelaySeconds><CommandKey></CommandKey></cwmp:ScheduleInform>', 'ScheduleInform', /unsigned/],
    ['<cwmp:ScheduleInform><DelaySeconds>1e3</DelaySeconds></cwmp:ScheduleInform>', 'ScheduleInform', /DelaySeconds/],
    ['<cwmp:ScheduleInform><DelaySeconds>99999999999999999999</DelaySeconds></cwmp:ScheduleInform>', 'ScheduleInform', /DelaySeconds/],
    ['<cwmp:AddObjectResponse><InstanceNumber>x</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>', 'AddObjectResponse', /InstanceNumber/],
    ['<cwmp:SetParameterValuesResponse><Status>2</Status></cwmp:SetParameterValuesResponse>', 'SetParameterValuesResponse', /Status/],
    ['<cwmp:InformResponse><MaxEnvelopes>one</MaxEnvelopes></cwmp:InformResponse>', 'InformResponse', /MaxEnvelopes/],
    ['<cwmp:TransferComplete><FaultStruct><FaultCode>?</FaultCode></FaultStruct></cwmp:TransferComplete>', 'TransferComplete', /FaultCode/],
  ];
  for (const [xml, method, re] of cases) {
    const e = err(wrap(xml), 'invalid');
    assert.equal(e.method, method, xml);
    assert.equal(e.id, 'id-9', xml);
    assert.match(e.message, re, xml);
  }
  // Padded numbers are fine; a signed int (MaxRetries) may be negative.
  const sd = body(
    wrap(
      '<cwmp:ScheduleDownload><FileSize> 10 </FileSize><TimeWindowList><TimeWindowStruct><WindowStart>0</WindowStart><WindowEnd>5</WindowEnd>' +
        '<WindowMode>2 Immediately</WindowMode><UserMessage/><MaxRetries>-1</MaxRetries></TimeWindowStruct></TimeWindowList></cwmp:ScheduleDownload>',
    ),
  );
  assert.ok(sd.method === 'ScheduleDownload');
  assert.equal(sd.fileSize, 10);
  assert.deepEqual(sd.timeWindowList, [{ windowStart: 0, windowEnd: 5, windowMode: '2 Immediately', userMessage: '', maxRetries: -1 }]);
});

test('missing arguments default to empty strings, 0 and false', () => {
  assert.deepEqual(body(wrap('<cwmp:Download/>')), {
    method: 'Download',
    commandKey: '',
    fileType: '',
    url: '',
    username: '',
    password: '',
    fileSize: 0,
    targetFileName: '',
    delaySeconds: 0,
    successUrl: '',
    failureUrl: '',
  });
  assert.deepEqual(body(wrap('<cwmp:Inform/>')), {
    method: 'Inform',
    deviceId: { manufacturer: '', oui: '', productClass: '', serialNumber: '' },
    event: [],
    maxEnvelopes: 0,
    currentTime: '',
    retryCount: 0,
    parameterList: [],
  });
  assert.deepEqual(body(wrap('<cwmp:GetParameterNames/>')), { method: 'GetParameterNames', parameterPath: '', nextLevel: false });
  assert.deepEqual(body(wrap('<cwmp:TransferComplete/>')), {
    method: 'TransferComplete',
    commandKey: '',
    faultStruct: { faultCode: 0, faultString: '' },
    startTime: '',
    completeTime: '',
  });
});

test('an unknown body element is Unknown with its local name', () => {
  assert.deepEqual(body(wrap('<cwmp:SetVouchers><VoucherList/></cwmp:SetVouchers>')), { method: 'Unknown', name: 'SetVouchers' });
  assert.deepEqual(body(wrap('<cwmp:X_ACME_Foo/>')), { method: 'Unknown', name: 'X_ACME_Foo' });
  assert.deepEqual(body(wrap('<cwmp:toString/>')), { method: 'Unknown', name: 'toString' });
  assert.deepEqual(body(wrap('<cwmp:constructor/>')), { method: 'Unknown', name: 'constructor' });
});

test('pretty-printed input: names and tokens are trimmed, free text is kept', () => {
  const x = wrap(`
    <cwmp:GetParameterValues>
      <ParameterNames soap-enc:arrayType="xsd:string[2]">
        <string>
          Device.DeviceInfo.
        </string>
        <string>Device.Time.</string>
      </ParameterNames>
    </cwmp:GetParameterValues>
  `);
  assert.deepEqual(body(x), { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.', 'Device.Time.'] });
  const r = body(wrap('<cwmp:Reboot>\n  <CommandKey> spaced key </CommandKey>\n</cwmp:Reboot>'));
  assert.deepEqual(r, { method: 'Reboot', commandKey: ' spaced key ' });
});

test('ChangeDUState: typed operations, untyped ones inferred, array-wrapped ones, unknown type invalid', () => {
  const x = wrap(
    '<cwmp:ChangeDUState>' +
      '<Operations xsi:type="cwmp:InstallOpStruct"><URL>http://u/a</URL><UUID>3f2504e0-4f89-11d3-9a0c-0305e82c3301</UUID><ExecutionEnvRef>E</ExecutionEnvRef></Operations>' +
      '<Operations><UUID>u2</UUID><Version>2</Version><URL>http://u/b</URL></Operations>' +
      '<Operations><UUID>u3</UUID></Operations>' +
      '<Operations><InstallOpStruct><URL>http://u/c</URL></InstallOpStruct><UninstallOpStruct><UUID>u4</UUID></UninstallOpStruct></Operations>' +
      '<CommandKey>ck</CommandKey></cwmp:ChangeDUState>',
    { ns: NS_CWMP_1_2 },
  );
  assert.deepEqual(body(x), {
    method: 'ChangeDUState',
    operations: [
      { op: 'Install', url: 'http://u/a', uuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', username: '', password: '', executionEnvRef: 'E' },
      { op: 'Update', uuid: 'u2', version: '2', url: 'http://u/b', username: '', password: '' },
      { op: 'Uninstall', uuid: 'u3', version: '', executionEnvRef: '' },
      { op: 'Install', url: 'http://u/c', uuid: '', username: '', password: '', executionEnvRef: '' },
      { op: 'Uninstall', uuid: 'u4', version: '', executionEnvRef: '' },
    ],
    commandKey: 'ck',
  });
  const e = err(wrap('<cwmp:ChangeDUState><Operations xsi:type="cwmp:RebootOpStruct"/></cwmp:ChangeDUState>'), 'invalid');
  assert.equal(e.method, 'ChangeDUState');
});

test('a SOAP header element named like a prototype property is ignored', () => {
  const e = ok(wrap('<cwmp:RebootResponse/>', { header: '<cwmp:ID>1</cwmp:ID><cwmp:__proto__>x</cwmp:__proto__><cwmp:hasOwnProperty>y</cwmp:hasOwnProperty>' }));
  assert.deepEqual(e.header, { id: '1' });
});
