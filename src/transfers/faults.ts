// Transfer failures carry their CWMP fault code from where they happen to where they are reported
// (a synchronous Download/Upload fault, or the FaultStruct of TransferComplete).

export const FAULT = {
  requestDenied: 9001,
  internal: 9002,
  invalidArguments: 9003,
  resourcesExceeded: 9004,
  transferFailure: 9010,
  uploadFailure: 9011,
  serverAuth: 9012,
  unsupportedProtocol: 9013,
  cannotContact: 9015,
  cannotAccess: 9016,
  incomplete: 9017,
  corrupted: 9018,
  outsideWindows: 9020,
  cancelNotPermitted: 9021,
} as const;

/** FaultString is string(256) in the schema. */
export const MAX_FAULT_STRING = 256;

export class TransferFault extends Error {
  constructor(
    readonly faultCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TransferFault';
  }
}

export function faultString(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_FAULT_STRING ? oneLine : oneLine.slice(0, MAX_FAULT_STRING - 1) + '…';
}

/** Any error as a TransferFault; unexpected ones become 9002 with their message. */
export function asTransferFault(err: unknown, fallbackCode: number = FAULT.internal): TransferFault {
  if (err instanceof TransferFault) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new TransferFault(fallbackCode, msg);
}

/** "300 ms", "45 s": for messages about time limits. */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
