import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, escapeXml, xmlSafe, NS_CWMP_1_0, NS_CWMP_1_2, UNKNOWN_TIME, type Message } from '../../src/cwmp/index.js';
import { assertValidCwmp } from '../helpers/schema.js';

const enc = (body: Message, header = {}, ns: typeof NS_CWMP_1_2 | typeof NS_CWMP_1_0 = NS_CWMP_1_2): string => encode({ ns, header, body });

/** The element names of the Body's RPC element in document order (one level, for order checks). */
function childNames(xml: string, rpc: string): string[] {
  const inner = xml.slice(xml.indexOf(`<${rpc}>`) + rpc.length + 2, xml.lastIndexOf(`</${rpc}>`));
  const names: string[] = [];
  let depth = 0;
  for (const m of inner.matchAll(/<(\/?)([A-Za-z:]+)[^>]*?(\/?)>/g)) {
    if (m[1] === '/') depth--;
    else {
      if (depth === 0) names.push(m[2]);
      if (m[3] !== '/') depth++;
    }
  }
  return names;
}

test('envelope: XML declaration, the five prefixes, namespace as given, header only when set', () => {
  const x = enc({ method: 'RebootResponse' }, {}, NS_CWMP_1_0);
  assert.equal(
    x,
    '<?xml version="1.0" encoding="UTF-8"?>\n<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" ' +
      'xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">' +
      '<soap-env:Body><cwmp:RebootResponse></cwmp:RebootResponse></soap-env:Body></soap-env:Envelope>',
  );
  assert.doesNotMatch(x, /cwmp-1-[34]/);
});

test('header entries carry the right mustUnderstand', () => {
  const x = enc(
    { method: 'InformResponse', maxEnvelopes: 1 },
    { id: 'a<b', holdRequests: false, sessionTimeout: 30, supportedCwmpVersions: '1.0,1.4', useCwmpVersion: '1.4' },
  );
  assert.ok(
    x.includes(
      '<soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">a&lt;b</cwmp:ID>' +
        '<cwmp:HoldRequests soap-env:mustUnderstand="1">false</cwmp:HoldRequests>' +
        '<cwmp:SessionTimeout soap-env:mustUnderstand="0">30</cwmp:SessionTimeout>' +
        '<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">1.0,1.4</cwmp:SupportedCWMPVersions>' +
        '<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">1.4</cwmp:UseCWMPVersion></soap-env:Header>',
    ),
    x,
  );
  assert.ok(enc({ method: 'RebootResponse' }, { id: '' }).includes('<cwmp:ID soap-env:mustUnderstand="1"></cwmp:ID>'));
});

test('arguments follow the schema order (e.g. TransferComplete: CommandKey, FaultStruct, StartTime, CompleteTime)', () => {
  const tc = enc({
    method: 'TransferComplete',
    commandKey: 'k',
    faultStruct: { faultCode: 0, faultString: '' },
    startTime: UNKNOWN_TIME,
    completeTime: UNKNOWN_TIME,
  });
  assert.deepEqual(childNames(tc, 'cwmp:TransferComplete'), ['CommandKey', 'FaultStruct', 'StartTime', 'CompleteTime']);
  const inform = enc({
    method: 'Inform',
    deviceId: { manufacturer: 'm', oui: '00005E', productClass: 'p', serialNumber: 's' },
    event: [],
    maxEnvelopes: 1,
    currentTime: '2025-01-01T00:00:00Z',
    retryCount: 0,
    parameterList: [],
  });
  assert.deepEqual(childNames(inform, 'cwmp:Inform'), ['DeviceId', 'Event', 'MaxEnvelopes', 'CurrentTime', 'RetryCount', 'ParameterList']);
  const dl = enc({
    method: 'Download',
    commandKey: '',
    fileType: '1 Firmware Upgrade Image',
    url: 'http://x/',
    username: '',
    password: '',
    fileSize: 0,
    targetFileName: '',
    delaySeconds: 0,
    successUrl: '',
    failureUrl: '',
  });
  assert.deepEqual(childNames(dl, 'cwmp:Download'), [
    'CommandKey',
    'FileType',
    'URL',
    'Username',
    'Password',
    'FileSize',
    'TargetFileName',
    'DelaySeconds',
    'SuccessURL',
    'FailureURL',
  ]);
  const atc = enc({
    method: 'AutonomousTransferComplete',
    announceUrl: '',
    transferUrl: '',
    isDownload: false,
    fileType: '2 Vendor Log File',
    fileSize: 0,
    targetFileName: '',
    faultStruct: { faultCode: 0, faultString: '' },
    startTime: UNKNOWN_TIME,
    completeTime: UNKNOWN_TIME,
  });
  assert.deepEqual(childNames(atc, 'cwmp:AutonomousTransferComplete'), [
    'AnnounceURL',
    'TransferURL',
    'IsDownload',
    'FileType',
    'FileSize',
    'TargetFileName',
    'FaultStruct',
    'StartTime',
    'CompleteTime',
  ]);
});

test('arrays carry soap-enc:arrayType with the item count; values always carry xsi:type', () => {
  const gpv = enc({
    method: 'GetParameterValuesResponse',
    parameterList: [
      { name: 'A.a', value: '1', type: 'xsd:unsignedInt' },
      { name: 'A.b', value: 'x' },
    ],
  });
  assert.ok(gpv.includes('<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[2]">'));
  assert.ok(gpv.includes('<Value xsi:type="xsd:unsignedInt">1</Value>'));
  assert.ok(gpv.includes('<Value xsi:type="xsd:string">x</Value>'));
  const cases: [Message, string][] = [
    [{ method: 'GetParameterValues', parameterNames: ['a', 'b', 'c'] }, '<ParameterNames soap-enc:arrayType="xsd:string[3]">'],
    [{ method: 'GetRPCMethodsResponse', methodList: [] }, '<MethodList soap-enc:arrayType="xsd:string[0]"></MethodList>'],
    [{ method: 'GetParameterNamesResponse', parameterList: [{ name: 'A.', writable: true }] }, 'cwmp:ParameterInfoStruct[1]'],
    [{ method: 'GetParameterAttributesResponse', parameterList: [{ name: 'A', notification: 0, accessList: [] }] }, 'cwmp:ParameterAttributeStruct[1]'],
    [
      {
        method: 'SetParameterAttributes',
        parameterList: [{ name: 'A', notificationChange: false, notification: NaN, accessListChange: false, accessList: [] }],
      },
      'cwmp:SetParameterAttributesStruct[1]',
    ],
    [{ method: 'GetQueuedTransfersResponse', transferList: [] }, 'cwmp:QueuedTransferStruct[0]'],
    [{ method: 'GetAllQueuedTransfersResponse', transferList: [] }, 'cwmp:AllQueuedTransferStruct[0]'],
    [{ method: 'RequestDownload', fileType: '1 Firmware Upgrade Image', fileTypeArg: [] }, 'cwmp:ArgStruct[0]'],
    [
      {
        method: 'Inform',
        deviceId: { manufacturer: '', oui: '', productClass: '', serialNumber: '' },
        event: [{ eventCode: '2 PERIODIC', commandKey: '' }],
        maxEnvelopes: 1,
        currentTime: '',
        retryCount: 0,
        parameterList: [],
      },
      '<Event soap-enc:arrayType="cwmp:EventStruct[1]">',
    ],
    [
      {
        method: 'ScheduleDownload',
        commandKey: '',
        fileType: '',
        url: '',
        username: '',
        password: '',
        fileSize: 0,
        targetFileName: '',
        timeWindowList: [{ windowStart: 0, windowEnd: 1, windowMode: '2 Immediately', userMessage: '', maxRetries: 0 }],
      },
      'cwmp:TimeWindowStruct[1]',
    ],
  ];
  for (const [m, want] of cases) assert.ok(enc(m).includes(want), `${m.method}: ${want}`);
});

test('a NaN Notification (not being changed) is written empty, as GenieACS does', () => {
  const x = enc({
    method: 'SetParameterAttributes',
    parameterList: [{ name: 'A', notificationChange: false, notification: NaN, accessListChange: false, accessList: [] }],
  });
  assert.ok(x.includes('<NotificationChange>false</NotificationChange><Notification></Notification>'));
});

test('Fault layout: soap-env:Fault, faultcode, faultstring, detail/cwmp:Fault', () => {
  const x = enc({
    method: 'Fault',
    faultcode: 'Client',
    faultstring: 'CWMP fault',
    faultCode: 9003,
    faultString: 'Invalid arguments',
    setParameterValuesFault: [{ parameterName: 'A.b', faultCode: 9007, faultString: 'too big' }],
  });
  assert.ok(
    x.includes(
      '<soap-env:Body><soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault>' +
        '<FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString><SetParameterValuesFault><ParameterName>A.b</ParameterName>' +
        '<FaultCode>9007</FaultCode><FaultString>too big</FaultString></SetParameterValuesFault></cwmp:Fault></detail></soap-env:Fault></soap-env:Body>',
    ),
    x,
  );
});

test('escaping: the five specials as entities, non-ASCII and CR as numeric references, no CDATA', () => {
  assert.equal(escapeXml('plain text 123 .:/-_'), 'plain text 123 .:/-_');
  assert.equal(escapeXml(`&<>"'`), '&amp;&lt;&gt;&quot;&apos;');
  assert.equal(escapeXml('é€😀\r\n\t\u007f\u0085'), '&#xE9;&#x20AC;&#x1F600;&#13;\n\t&#x7F;&#x85;');
  assert.equal(escapeXml(']]>'), ']]&gt;');
  const x = enc({ method: 'Reboot', commandKey: '<![CDATA[x]]>' });
  assert.ok(x.includes('<CommandKey>&lt;![CDATA[x]]&gt;</CommandKey>'));
  assert.doesNotMatch(x, /<!\[CDATA\[/);
  assert.match(x, /^[\x20-\x7e\n]*$/, 'output is printable ASCII plus LF');
});

test('characters XML forbids become U+FFFD (documented); the output stays well-formed', () => {
  const bad = 'a\u0000b\u0008c\u000bd\u000ce\u001ff\ufffeg\uffffh\ud800i\udc00j\ud83d';
  assert.equal(escapeXml(bad), 'a&#xFFFD;b&#xFFFD;c&#xFFFD;d&#xFFFD;e&#xFFFD;f&#xFFFD;g&#xFFFD;h&#xFFFD;i&#xFFFD;j&#xFFFD;');
  assert.equal(xmlSafe(bad), 'a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj\ufffd');
  assert.equal(xmlSafe('ok 😀 \t\n\r'), 'ok 😀 \t\n\r');
  const env = { ns: NS_CWMP_1_2, header: { id: bad }, body: { method: 'Reboot', commandKey: bad } } as const;
  const x = encode(env);
  const r = decode(x);
  assert.ok(r.ok && r.envelope !== null);
  assert.deepEqual(r.envelope, { ns: NS_CWMP_1_2, header: { id: xmlSafe(bad) }, body: { method: 'Reboot', commandKey: xmlSafe(bad) } });
  assertValidCwmp(x);
});

test('attribute values (xsi:type labels) escape tab and newline so they survive', () => {
  const x = enc({ method: 'GetParameterValuesResponse', parameterList: [{ name: 'A', value: 'v', type: 'x\ty\n"<' }] });
  assert.ok(x.includes('<Value xsi:type="x&#9;y&#10;&quot;&lt;">'));
  const r = decode(x);
  assert.ok(r.ok && r.envelope?.body.method === 'GetParameterValuesResponse');
  assert.equal(r.envelope.body.parameterList[0].type, 'x\ty\n"<');
  // Only a tab: the attribute fast path must not let it through raw.
  assert.ok(enc({ method: 'GetParameterValuesResponse', parameterList: [{ name: 'A', value: 'v', type: '\t' }] }).includes('xsi:type="&#9;"'));
});

test('ChangeDUState: one Operations element per operation, typed, UUID omitted when empty', () => {
  const x = enc({
    method: 'ChangeDUState',
    operations: [
      { op: 'Install', url: 'http://a/', uuid: '', username: '', password: '', executionEnvRef: '' },
      { op: 'Uninstall', uuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', version: '1', executionEnvRef: '' },
    ],
    commandKey: 'c',
  });
  assert.ok(
    x.includes(
      '<cwmp:ChangeDUState><Operations xsi:type="cwmp:InstallOpStruct"><URL>http://a/</URL><Username></Username><Password></Password>' +
        '<ExecutionEnvRef></ExecutionEnvRef></Operations><Operations xsi:type="cwmp:UninstallOpStruct">' +
        '<UUID>3f2504e0-4f89-11d3-9a0c-0305e82c3301</UUID><Version>1</Version><ExecutionEnvRef></ExecutionEnvRef></Operations>' +
        '<CommandKey>c</CommandKey></cwmp:ChangeDUState>',
    ),
    x,
  );
});

test('an Unknown (vendor) method encodes as an empty element; an invalid name is a TypeError', () => {
  assert.ok(enc({ method: 'Unknown', name: 'X_ACME_Ping' }).includes('<cwmp:X_ACME_Ping></cwmp:X_ACME_Ping>'));
  assert.throws(() => enc({ method: 'Unknown', name: 'a b' }), TypeError);
});
