// Messages shared by the session tests.
import {
  NS_CWMP_1_2,
  type AcsRequest,
  type CwmpNamespace,
  type Envelope,
  type Fault,
  type GetParameterValuesResponse,
  type Header,
  type Inform,
  type Message,
  type TransferComplete,
} from '../../src/cwmp/types.js';
import type { SessionEvent } from '../../src/session/machine.js';

export const INFORM: Inform = {
  method: 'Inform',
  deviceId: { manufacturer: 'Acme', oui: '00AABB', productClass: 'Box1', serialNumber: 'SN42' },
  event: [
    { eventCode: '1 BOOT', commandKey: '' },
    { eventCode: '7 TRANSFER COMPLETE', commandKey: '' },
    { eventCode: 'M Download', commandKey: 'dl-1' },
  ],
  maxEnvelopes: 1,
  currentTime: '2025-01-02T03:04:05+02:00',
  retryCount: 0,
  parameterList: [{ name: 'Device.RootDataModelVersion', value: '2.11', type: 'xsd:string' }],
};

export function transferComplete(commandKey: string, faultCode = 0): TransferComplete {
  return {
    method: 'TransferComplete',
    commandKey,
    faultStruct: { faultCode, faultString: faultCode === 0 ? '' : 'Download failure' },
    startTime: '2025-01-02T03:00:00Z',
    completeTime: '2025-01-02T03:01:00Z',
  };
}

export const GPV: AcsRequest = { method: 'GetParameterValues', parameterNames: ['Device.DeviceInfo.SoftwareVersion'] };
export const GPV_RESPONSE: GetParameterValuesResponse = {
  method: 'GetParameterValuesResponse',
  parameterList: [{ name: 'Device.DeviceInfo.SoftwareVersion', value: '1.0', type: 'xsd:string' }],
};

export function acsFault(faultCode: number, faultString = 'x'): Fault {
  return { method: 'Fault', faultcode: 'Server', faultstring: 'CWMP fault', faultCode, faultString };
}

export function envelope(body: Message, header: Header = {}, ns: CwmpNamespace = NS_CWMP_1_2): Envelope {
  return { ns, header, body };
}

/** A 200 reply carrying one decoded message. */
export function reply(body: Message, header: Header = {}, ns: CwmpNamespace = NS_CWMP_1_2): SessionEvent {
  return { type: 'reply', status: 200, decoded: { ok: true, envelope: envelope(body, header, ns) } };
}

export const NO_CONTENT: SessionEvent = { type: 'reply', status: 204 };
export const EMPTY_200: SessionEvent = { type: 'reply', status: 200, decoded: { ok: true, envelope: null } };
export const INFORM_RESPONSE = reply({ method: 'InformResponse', maxEnvelopes: 1 });
export const TC_RESPONSE = reply({ method: 'TransferCompleteResponse' });
