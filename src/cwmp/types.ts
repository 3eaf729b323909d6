// Typed CWMP messages: the contract between the codec and everything above it.
// Field names follow the CWMP schema (camelCased); the `method` tag is the exact element name.
// Values stay strings (with their xsi:type label) so the codec never guesses at data-model types.

export const NS_CWMP_1_0 = 'urn:dslforum-org:cwmp-1-0';
export const NS_CWMP_1_1 = 'urn:dslforum-org:cwmp-1-1';
export const NS_CWMP_1_2 = 'urn:dslforum-org:cwmp-1-2';
/** Non-standard namespaces some ACSs/CPEs emit; tolerated on input, never sent. */
export const NS_CWMP_1_3 = 'urn:dslforum-org:cwmp-1-3';
export const NS_CWMP_1_4 = 'urn:dslforum-org:cwmp-1-4';
export type CwmpNamespace =
  | typeof NS_CWMP_1_0
  | typeof NS_CWMP_1_1
  | typeof NS_CWMP_1_2
  | typeof NS_CWMP_1_3
  | typeof NS_CWMP_1_4;

/** The unknown time of TR-106: what Download/Upload responses carry when Status is 1. */
export const UNKNOWN_TIME = '0001-01-01T00:00:00Z';

export interface Header {
  id?: string;
  holdRequests?: boolean;
  /** CWMP 1.0 only; ignored by the session, decoded for completeness. */
  noMoreRequests?: boolean;
  sessionTimeout?: number;
  supportedCwmpVersions?: string;
  useCwmpVersion?: string;
}

/** A decoded or to-be-encoded SOAP envelope. `body` is null for an empty HTTP body. */
export interface Envelope {
  /** The cwmp namespace URI the message uses (or should use when encoding). */
  ns: CwmpNamespace;
  header: Header;
  body: Message;
}

// ---- shared structures -------------------------------------------------------------------

export interface ParameterValue {
  name: string;
  value: string;
  /** xsi:type label as written on the wire, e.g. "xsd:string"; undefined when absent on input. */
  type?: string;
}
export interface ParameterInfo {
  name: string;
  writable: boolean;
}
export interface ParameterAttribute {
  name: string;
  notification: number;
  accessList: string[];
}
export interface SetParameterAttributesStruct {
  name: string;
  notificationChange: boolean;
  /** Meaningless (may be NaN on input: GenieACS sends it empty) when notificationChange is false. */
  notification: number;
  accessListChange: boolean;
  accessList: string[];
}
export interface EventStruct {
  eventCode: string;
  commandKey: string;
}
export interface DeviceId {
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
}
export interface FaultStruct {
  faultCode: number;
  faultString: string;
}
export interface TimeWindow {
  windowStart: number;
  windowEnd: number;
  windowMode: string;
  userMessage: string;
  maxRetries: number;
}
export interface QueuedTransfer {
  commandKey: string;
  state: number;
}
export interface AllQueuedTransfer extends QueuedTransfer {
  isDownload: boolean;
  fileType: string;
  fileSize: number;
  targetFileName: string;
}
export interface ArgStruct {
  name: string;
  value: string;
}
export type DuOperation =
  | { op: 'Install'; url: string; uuid: string; username: string; password: string; executionEnvRef: string }
  | { op: 'Update'; uuid: string; version: string; url: string; username: string; password: string }
  | { op: 'Uninstall'; uuid: string; version: string; executionEnvRef: string };

// ---- ACS -> CPE requests -----------------------------------------------------------------

export interface GetRPCMethods { method: 'GetRPCMethods' }
export interface SetParameterValues { method: 'SetParameterValues'; parameterList: ParameterValue[]; parameterKey: string }
export interface GetParameterValues { method: 'GetParameterValues'; parameterNames: string[] }
export interface GetParameterNames { method: 'GetParameterNames'; parameterPath: string; nextLevel: boolean }
export interface SetParameterAttributes { method: 'SetParameterAttributes'; parameterList: SetParameterAttributesStruct[] }
export interface GetParameterAttributes { method: 'GetParameterAttributes'; parameterNames: string[] }
export interface AddObject { method: 'AddObject'; objectName: string; parameterKey: string }
export interface DeleteObject { method: 'DeleteObject'; objectName: string; parameterKey: string }
export interface Reboot { method: 'Reboot'; commandKey: string }
export interface Download {
  method: 'Download';
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  fileSize: number;
  targetFileName: string;
  delaySeconds: number;
  successUrl: string;
  failureUrl: string;
}
export interface Upload {
  method: 'Upload';
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  delaySeconds: number;
}
export interface FactoryReset { method: 'FactoryReset' }
export interface ScheduleInform { method: 'ScheduleInform'; delaySeconds: number; commandKey: string }
export interface ScheduleDownload {
  method: 'ScheduleDownload';
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  fileSize: number;
  targetFileName: string;
  timeWindowList: TimeWindow[];
}
export interface CancelTransfer { method: 'CancelTransfer'; commandKey: string }
export interface GetQueuedTransfers { method: 'GetQueuedTransfers' }
export interface GetAllQueuedTransfers { method: 'GetAllQueuedTransfers' }
export interface ChangeDUState { method: 'ChangeDUState'; operations: DuOperation[]; commandKey: string }

export type AcsRequest =
  | GetRPCMethods
  | SetParameterValues
  | GetParameterValues
  | GetParameterNames
  | SetParameterAttributes
  | GetParameterAttributes
  | AddObject
  | DeleteObject
  | Reboot
  | Download
  | Upload
  | FactoryReset
  | ScheduleInform
  | ScheduleDownload
  | CancelTransfer
  | GetQueuedTransfers
  | GetAllQueuedTransfers
  | ChangeDUState;

// ---- CPE -> ACS responses ----------------------------------------------------------------

export interface GetRPCMethodsResponse { method: 'GetRPCMethodsResponse'; methodList: string[] }
export interface SetParameterValuesResponse { method: 'SetParameterValuesResponse'; status: 0 | 1 }
export interface GetParameterValuesResponse { method: 'GetParameterValuesResponse'; parameterList: ParameterValue[] }
export interface GetParameterNamesResponse { method: 'GetParameterNamesResponse'; parameterList: ParameterInfo[] }
export interface SetParameterAttributesResponse { method: 'SetParameterAttributesResponse' }
export interface GetParameterAttributesResponse { method: 'GetParameterAttributesResponse'; parameterList: ParameterAttribute[] }
export interface AddObjectResponse { method: 'AddObjectResponse'; instanceNumber: number; status: 0 | 1 }
export interface DeleteObjectResponse { method: 'DeleteObjectResponse'; status: 0 | 1 }
export interface RebootResponse { method: 'RebootResponse' }
export interface DownloadResponse { method: 'DownloadResponse'; status: 0 | 1; startTime: string; completeTime: string }
export interface UploadResponse { method: 'UploadResponse'; status: 0 | 1; startTime: string; completeTime: string }
export interface FactoryResetResponse { method: 'FactoryResetResponse' }
export interface ScheduleInformResponse { method: 'ScheduleInformResponse' }
export interface ScheduleDownloadResponse { method: 'ScheduleDownloadResponse' }
export interface CancelTransferResponse { method: 'CancelTransferResponse' }
export interface GetQueuedTransfersResponse { method: 'GetQueuedTransfersResponse'; transferList: QueuedTransfer[] }
export interface GetAllQueuedTransfersResponse { method: 'GetAllQueuedTransfersResponse'; transferList: AllQueuedTransfer[] }
export interface ChangeDUStateResponse { method: 'ChangeDUStateResponse' }

export type CpeResponse =
  | GetRPCMethodsResponse
  | SetParameterValuesResponse
  | GetParameterValuesResponse
  | GetParameterNamesResponse
  | SetParameterAttributesResponse
  | GetParameterAttributesResponse
  | AddObjectResponse
  | DeleteObjectResponse
  | RebootResponse
  | DownloadResponse
  | UploadResponse
  | FactoryResetResponse
  | ScheduleInformResponse
  | ScheduleDownloadResponse
  | CancelTransferResponse
  | GetQueuedTransfersResponse
  | GetAllQueuedTransfersResponse
  | ChangeDUStateResponse;

// ---- CPE -> ACS requests -----------------------------------------------------------------

export interface Inform {
  method: 'Inform';
  deviceId: DeviceId;
  event: EventStruct[];
  maxEnvelopes: number;
  currentTime: string;
  retryCount: number;
  parameterList: ParameterValue[];
}
export interface TransferComplete {
  method: 'TransferComplete';
  commandKey: string;
  faultStruct: FaultStruct;
  startTime: string;
  completeTime: string;
}
export interface AutonomousTransferComplete {
  method: 'AutonomousTransferComplete';
  announceUrl: string;
  transferUrl: string;
  isDownload: boolean;
  fileType: string;
  fileSize: number;
  targetFileName: string;
  faultStruct: FaultStruct;
  startTime: string;
  completeTime: string;
}
export interface RequestDownload { method: 'RequestDownload'; fileType: string; fileTypeArg: ArgStruct[] }
export interface Kicked { method: 'Kicked'; command: string; referer: string; arg: string; next: string }

/** GetRPCMethods is valid in both directions; it appears in AcsRequest and here. */
export type CpeRequest = Inform | TransferComplete | AutonomousTransferComplete | GetRPCMethods | RequestDownload | Kicked;

// ---- ACS -> CPE responses ----------------------------------------------------------------

export interface InformResponse { method: 'InformResponse'; maxEnvelopes: number }
export interface TransferCompleteResponse { method: 'TransferCompleteResponse' }
export interface AutonomousTransferCompleteResponse { method: 'AutonomousTransferCompleteResponse' }
export interface RequestDownloadResponse { method: 'RequestDownloadResponse' }
export interface KickedResponse { method: 'KickedResponse'; nextUrl: string }

export type AcsResponse =
  | InformResponse
  | TransferCompleteResponse
  | AutonomousTransferCompleteResponse
  | GetRPCMethodsResponse
  | RequestDownloadResponse
  | KickedResponse;

// ---- faults and unknowns -----------------------------------------------------------------

export interface SetParameterValuesFault {
  parameterName: string;
  faultCode: number;
  faultString: string;
}
/** A SOAP Fault carrying a cwmp:Fault, in either direction. */
export interface Fault {
  method: 'Fault';
  /** "Client" or "Server" (a prefix such as "soap-env:" is stripped on decode). */
  faultcode: string;
  faultstring: string;
  faultCode: number;
  faultString: string;
  setParameterValuesFault?: SetParameterValuesFault[];
}

/** A well-formed body whose method the codec does not know; answered with fault 9000 / 8000. */
export interface UnknownMethod {
  method: 'Unknown';
  /** The element's local name, e.g. "SetVouchers" or "X_ACME_Foo". */
  name: string;
}

export type Message = AcsRequest | CpeResponse | CpeRequest | AcsResponse | Fault | UnknownMethod;
export type MethodName = Message['method'];

// ---- decode results ----------------------------------------------------------------------

export type DecodeErrorCode =
  | 'malformed' // not well-formed XML
  | 'forbidden' // DTD, entity declaration, CDATA policy, processing instruction we refuse
  | 'too-large'
  | 'too-deep'
  | 'not-soap' // well-formed but not a SOAP envelope with one body element
  | 'invalid'; // a known method whose arguments are missing or of the wrong form

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** Set when the envelope was readable enough to recover the cwmp:ID (to address a fault). */
  id?: string;
  /** Set when the method name was recognised (so a fault can name it). */
  method?: string;
}

export type DecodeResult =
  | { ok: true; envelope: Envelope | null } // null = empty body (an empty POST / 204-like 200)
  | { ok: false; error: DecodeError };

export interface DecodeLimits {
  /** Maximum input length in characters (default 4 MiB). */
  maxBytes?: number;
  /** Maximum element nesting depth (default 64). */
  maxDepth?: number;
}
