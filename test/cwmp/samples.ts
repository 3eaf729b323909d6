// Hand-written messages of every CWMP method the codec knows, valid against the BBF schemas
// (except where noted), used by the round-trip and schema tests. The Record type makes the
// compiler insist on at least one sample per method name in types.ts.
import {
  NS_CWMP_1_0,
  NS_CWMP_1_1,
  NS_CWMP_1_2,
  UNKNOWN_TIME,
  type Envelope,
  type Message,
  type MethodName,
  type CwmpNamespace,
  type Header,
} from '../../src/cwmp/index.js';

const env = (body: Message, header: Header = { id: 'id-1' }, ns: CwmpNamespace = NS_CWMP_1_2): Envelope => ({ ns, header, body });

/** Values that exercise escaping (all schema-valid as xsd:string). */
export const TRICKY = 'a & b < c > d " e \' f ]]> g &amp; h é ü 😀 \u00a0 tab\tnl\ncr\r end';

export const SAMPLES: Record<MethodName, Envelope[]> = {
  // ---- ACS -> CPE requests
  GetRPCMethods: [env({ method: 'GetRPCMethods' }), env({ method: 'GetRPCMethods' }, { id: 'cpe-2' }, NS_CWMP_1_0)],
  SetParameterValues: [
    env({
      method: 'SetParameterValues',
      parameterList: [
        { name: 'Device.ManagementServer.PeriodicInformInterval', value: '300', type: 'xsd:unsignedInt' },
        { name: 'Device.ManagementServer.PeriodicInformEnable', value: 'true', type: 'xsd:boolean' },
        { name: 'Device.ManagementServer.PeriodicInformTime', value: '1970-01-01T05:23:11.000Z', type: 'xsd:dateTime' },
        { name: 'Device.DeviceInfo.ProvisioningCode', value: TRICKY, type: 'xsd:string' },
        { name: 'Device.Users.User.1.Password', value: '', type: 'xsd:string' },
      ],
      parameterKey: 'pk-1',
    }),
    env({ method: 'SetParameterValues', parameterList: [], parameterKey: '' }, { id: 'x' }, NS_CWMP_1_0),
  ],
  GetParameterValues: [
    env({ method: 'GetParameterValues', parameterNames: ['Device.', 'Device.DeviceInfo.SoftwareVersion'] }),
    env({ method: 'GetParameterValues', parameterNames: ['InternetGatewayDevice.WANDevice.1.'] }, { id: '1a2b' }, NS_CWMP_1_1),
  ],
  GetParameterNames: [
    env({ method: 'GetParameterNames', parameterPath: '', nextLevel: true }),
    env({ method: 'GetParameterNames', parameterPath: 'Device.IP.', nextLevel: false }),
  ],
  SetParameterAttributes: [
    env({
      method: 'SetParameterAttributes',
      parameterList: [
        { name: 'Device.DeviceInfo.SoftwareVersion', notificationChange: true, notification: 2, accessListChange: false, accessList: [] },
        { name: 'Device.IP.', notificationChange: true, notification: 1, accessListChange: true, accessList: ['Subscriber'] },
      ],
    }),
  ],
  GetParameterAttributes: [env({ method: 'GetParameterAttributes', parameterNames: ['Device.ManagementServer.'] })],
  AddObject: [env({ method: 'AddObject', objectName: 'Device.NAT.PortMapping.', parameterKey: '' })],
  DeleteObject: [env({ method: 'DeleteObject', objectName: 'Device.NAT.PortMapping.3.', parameterKey: 'k' })],
  Reboot: [env({ method: 'Reboot', commandKey: '' }), env({ method: 'Reboot', commandKey: 'rb-17' }, {}, NS_CWMP_1_0)],
  Download: [
    env({
      method: 'Download',
      commandKey: '1a2127788450000',
      fileType: '1 Firmware Upgrade Image',
      url: 'http://127.0.0.1:7567/fw.bin?a=1&b=2',
      username: 'u',
      password: 'p<&>',
      fileSize: 4294967295,
      targetFileName: 'fw.bin',
      delaySeconds: 0,
      successUrl: '',
      failureUrl: '',
    }),
  ],
  Upload: [
    env({
      method: 'Upload',
      commandKey: 'up',
      fileType: '2 Vendor Log File',
      url: 'https://files.example/put',
      username: '',
      password: '',
      delaySeconds: 10,
    }),
  ],
  FactoryReset: [env({ method: 'FactoryReset' })],
  ScheduleInform: [env({ method: 'ScheduleInform', delaySeconds: 60, commandKey: 'si' })],
  ScheduleDownload: [
    env({
      method: 'ScheduleDownload',
      commandKey: 'sd',
      fileType: '1 Firmware Upgrade Image',
      url: 'http://files.example/fw',
      username: '',
      password: '',
      fileSize: 0,
      targetFileName: '',
      timeWindowList: [
        { windowStart: 0, windowEnd: 3600, windowMode: '1 At Any Time', userMessage: '', maxRetries: -1 },
        { windowStart: 7200, windowEnd: 9000, windowMode: 'X 00005E Night', userMessage: 'bye', maxRetries: 3 },
      ],
    }),
  ],
  CancelTransfer: [env({ method: 'CancelTransfer', commandKey: 'sd' })],
  GetQueuedTransfers: [env({ method: 'GetQueuedTransfers' })],
  GetAllQueuedTransfers: [env({ method: 'GetAllQueuedTransfers' })],
  ChangeDUState: [
    env({
      method: 'ChangeDUState',
      operations: [
        { op: 'Install', url: 'http://du.example/a.ipk', uuid: '', username: '', password: '', executionEnvRef: 'Device.SoftwareModules.ExecEnv.1' },
        {
          op: 'Update',
          uuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
          version: '2.0',
          url: 'http://du.example/b.ipk',
          username: 'u',
          password: 'p',
        },
        { op: 'Uninstall', uuid: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', version: '', executionEnvRef: '' },
      ],
      commandKey: 'du-1',
    }),
  ],

  // ---- CPE -> ACS responses
  GetRPCMethodsResponse: [
    env({ method: 'GetRPCMethodsResponse', methodList: ['GetRPCMethods', 'SetParameterValues', 'X_00005E_Script'] }),
  ],
  SetParameterValuesResponse: [env({ method: 'SetParameterValuesResponse', status: 0 }), env({ method: 'SetParameterValuesResponse', status: 1 })],
  GetParameterValuesResponse: [
    env({
      method: 'GetParameterValuesResponse',
      parameterList: [
        { name: 'Device.DeviceInfo.UpTime', value: '12345', type: 'xsd:unsignedInt' },
        { name: 'Device.DeviceInfo.Description', value: TRICKY, type: 'xsd:string' },
        { name: 'Device.X_Bytes', value: 'AAEC', type: 'xsd:base64' },
        { name: 'Device.IP.Interface.1.Enable', value: 'false', type: 'xsd:boolean' },
      ],
    }),
    env({ method: 'GetParameterValuesResponse', parameterList: [] }, { id: '' }, NS_CWMP_1_0),
  ],
  GetParameterNamesResponse: [
    env({
      method: 'GetParameterNamesResponse',
      parameterList: [
        { name: 'Device.', writable: false },
        { name: 'Device.NAT.PortMapping.', writable: true },
        { name: 'Device.DeviceInfo.UpTime', writable: false },
      ],
    }),
  ],
  SetParameterAttributesResponse: [env({ method: 'SetParameterAttributesResponse' })],
  GetParameterAttributesResponse: [
    env({
      method: 'GetParameterAttributesResponse',
      parameterList: [
        { name: 'Device.DeviceInfo.SoftwareVersion', notification: 2, accessList: [] },
        { name: 'Device.DeviceInfo.UpTime', notification: 6, accessList: ['Subscriber'] },
      ],
    }),
  ],
  AddObjectResponse: [env({ method: 'AddObjectResponse', instanceNumber: 4, status: 0 })],
  DeleteObjectResponse: [env({ method: 'DeleteObjectResponse', status: 1 })],
  RebootResponse: [env({ method: 'RebootResponse' })],
  DownloadResponse: [
    env({ method: 'DownloadResponse', status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME }),
    env({ method: 'DownloadResponse', status: 0, startTime: '2025-01-02T03:04:05Z', completeTime: '2025-01-02T03:05:05+02:00' }),
  ],
  UploadResponse: [env({ method: 'UploadResponse', status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME })],
  FactoryResetResponse: [env({ method: 'FactoryResetResponse' })],
  ScheduleInformResponse: [env({ method: 'ScheduleInformResponse' })],
  ScheduleDownloadResponse: [env({ method: 'ScheduleDownloadResponse' })],
  CancelTransferResponse: [env({ method: 'CancelTransferResponse' })],
  GetQueuedTransfersResponse: [
    env({ method: 'GetQueuedTransfersResponse', transferList: [{ commandKey: 'a', state: 1 }, { commandKey: 'b', state: 3 }] }),
  ],
  GetAllQueuedTransfersResponse: [
    env({
      method: 'GetAllQueuedTransfersResponse',
      transferList: [
        { commandKey: 'a', state: 2, isDownload: true, fileType: '1 Firmware Upgrade Image', fileSize: 1024, targetFileName: 'fw' },
        { commandKey: '', state: 1, isDownload: false, fileType: '3 Vendor Configuration File 2', fileSize: 0, targetFileName: '' },
      ],
    }),
  ],
  ChangeDUStateResponse: [env({ method: 'ChangeDUStateResponse' })],

  // ---- CPE -> ACS requests
  Inform: [
    env(
      {
        method: 'Inform',
        deviceId: { manufacturer: 'Example & Co', oui: '00005E', productClass: 'LinuxRouter', serialNumber: 'EX-000123' },
        event: [
          { eventCode: '0 BOOTSTRAP', commandKey: '' },
          { eventCode: '1 BOOT', commandKey: '' },
          { eventCode: 'M Reboot', commandKey: 'rb-17' },
        ],
        maxEnvelopes: 1,
        currentTime: '2025-05-01T12:00:00+02:00',
        retryCount: 0,
        parameterList: [
          { name: 'Device.RootDataModelVersion', value: '2.19', type: 'xsd:string' },
          { name: 'Device.DeviceInfo.SoftwareVersion', value: '1.0.0', type: 'xsd:string' },
          { name: 'Device.ManagementServer.ConnectionRequestURL', value: 'http://192.0.2.10:7547/cr', type: 'xsd:string' },
          { name: 'Device.ManagementServer.AliasBasedAddressing', value: 'false', type: 'xsd:boolean' },
        ],
      },
      { id: 'cpe-1', sessionTimeout: 60, supportedCwmpVersions: '1.0,1.1,1.2,1.3,1.4' },
    ),
    env(
      {
        method: 'Inform',
        deviceId: { manufacturer: '', oui: 'ABCDEF', productClass: '', serialNumber: 'S' },
        event: [],
        maxEnvelopes: 1,
        currentTime: '0001-01-03T03:04:05',
        retryCount: 7,
        parameterList: [],
      },
      { id: 'cpe-0' },
      NS_CWMP_1_0,
    ),
  ],
  TransferComplete: [
    env({
      method: 'TransferComplete',
      commandKey: 'dl-1',
      faultStruct: { faultCode: 0, faultString: '' },
      startTime: '2025-01-02T03:04:05Z',
      completeTime: '2025-01-02T03:06:05Z',
    }),
    env({
      method: 'TransferComplete',
      commandKey: '',
      faultStruct: { faultCode: 9016, faultString: 'File transfer failure: unable to access file (404)' },
      startTime: UNKNOWN_TIME,
      completeTime: UNKNOWN_TIME,
    }),
  ],
  AutonomousTransferComplete: [
    env({
      method: 'AutonomousTransferComplete',
      announceUrl: '',
      transferUrl: 'http://files.example/fw',
      isDownload: true,
      fileType: '1 Firmware Upgrade Image',
      fileSize: 99,
      targetFileName: '',
      faultStruct: { faultCode: 0, faultString: '' },
      startTime: '2025-01-02T03:04:05Z',
      completeTime: '2025-01-02T03:06:05Z',
    }),
  ],
  RequestDownload: [
    env({ method: 'RequestDownload', fileType: '1 Firmware Upgrade Image', fileTypeArg: [{ name: 'Version', value: '7.15' }] }),
    env({ method: 'RequestDownload', fileType: '2 Web Content', fileTypeArg: [] }),
  ],
  Kicked: [env({ method: 'Kicked', command: 'cmd', referer: 'http://ref', arg: 'a=1&b=2', next: 'http://next' })],

  // ---- ACS -> CPE responses
  InformResponse: [
    env({ method: 'InformResponse', maxEnvelopes: 1 }, { id: 'cpe-1', useCwmpVersion: '1.4' }),
    env({ method: 'InformResponse', maxEnvelopes: 1 }, { id: 'cpe-1', holdRequests: true }, NS_CWMP_1_0),
  ],
  TransferCompleteResponse: [env({ method: 'TransferCompleteResponse' }, { id: '', holdRequests: false })],
  AutonomousTransferCompleteResponse: [env({ method: 'AutonomousTransferCompleteResponse' })],
  RequestDownloadResponse: [env({ method: 'RequestDownloadResponse' })],
  KickedResponse: [env({ method: 'KickedResponse', nextUrl: 'http://next.example/?x=1&y=2' })],

  // ---- faults
  Fault: [
    env({ method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode: 9000, faultString: 'Method not supported' }),
    env({
      method: 'Fault',
      faultcode: 'Client',
      faultstring: 'CWMP fault',
      faultCode: 9003,
      faultString: 'Invalid arguments',
      setParameterValuesFault: [
        { parameterName: 'Device.ManagementServer.PeriodicInformInterval', faultCode: 9007, faultString: 'Invalid parameter value' },
        { parameterName: 'Device.DeviceInfo.SoftwareVersion', faultCode: 9008, faultString: '' },
      ],
    }),
    env({ method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode: 8005, faultString: 'Retry request' }, {}, NS_CWMP_1_0),
  ],
  // Not in any schema: a vendor RPC without arguments.
  Unknown: [env({ method: 'Unknown', name: 'X_00005E_Reset' })],
};

/** Every sample, flattened, with a label. */
export function allSamples(): { label: string; env: Envelope }[] {
  const out: { label: string; env: Envelope }[] = [];
  for (const [method, list] of Object.entries(SAMPLES)) list.forEach((env, i) => out.push({ label: `${method}#${i}`, env }));
  return out;
}

/** What decode returns for an encoded sample: Value types default to xsd:string; CR and the rest survive. */
export function expectedAfterRoundTrip(env: Envelope): Envelope {
  const body = env.body;
  if ('parameterList' in body && (body.method === 'SetParameterValues' || body.method === 'GetParameterValuesResponse' || body.method === 'Inform')) {
    return { ...env, body: { ...body, parameterList: body.parameterList.map((p) => ({ ...p, type: p.type ?? 'xsd:string' })) } } as Envelope;
  }
  return env;
}
