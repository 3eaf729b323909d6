// CWMP faults the CPE sends (TR-069 fault table, cwmp-cpe.md §7.2): the right SOAP faultcode
// (Client when the ACS's request is to blame, Server otherwise) and the standard FaultString.
import type { Fault, SetParameterValuesFault } from '../cwmp/types.js';
import { ModelFault } from '../datamodel/fault.js';

export const FAULT_STRINGS: Readonly<Record<number, string>> = {
  9000: 'Method not supported',
  9001: 'Request denied',
  9002: 'Internal error',
  9003: 'Invalid arguments',
  9004: 'Resources exceeded',
  9005: 'Invalid parameter name',
  9006: 'Invalid parameter type',
  9007: 'Invalid parameter value',
  9008: 'Attempt to set a non-writable parameter',
  9009: 'Notification request rejected',
  9010: 'File transfer failure',
  9011: 'Upload failure',
  9012: 'File transfer server authentication failure',
  9013: 'Unsupported protocol for file transfer',
  9014: 'File transfer failure: unable to join multicast group',
  9015: 'File transfer failure: unable to contact file server',
  9016: 'File transfer failure: unable to access file',
  9017: 'File transfer failure: unable to complete download',
  9018: 'File transfer failure: file corrupted',
  9019: 'File transfer failure: file authentication failure',
  9020: 'File transfer failure: unable to complete download within specified time windows',
  9021: 'Cancelation of file transfer not permitted in current transfer state',
  9022: 'Invalid UUID Format',
  9023: 'Unknown Execution Environment',
  9024: 'Disabled Execution Environment',
  9025: 'Deployment Unit to Execution Environment Mismatch',
  9026: 'Duplicate Deployment Unit',
  9027: 'System Resources Exceeded',
  9028: 'Unknown Deployment Unit',
  9029: 'Invalid Deployment Unit State',
  9030: 'Invalid Deployment Unit Update - Downgrade not permitted',
  9031: 'Invalid Deployment Unit Update - Version not specified',
  9032: 'Invalid Deployment Unit Update - Version already exists',
};

/** Codes the requester causes (icwmp's table; 9021/9022 are about the request too). */
const CLIENT_CODES = new Set([9003, 9005, 9006, 9007, 9008, 9021, 9022]);

/** 'Client' or 'Server' for a CPE fault code. */
export function faultcodeOf(code: number): 'Client' | 'Server' {
  return CLIENT_CODES.has(code) ? 'Client' : 'Server';
}

/** The standard FaultString of a code ('Vendor-specific fault' in 9800–9899). */
export function faultString(code: number): string {
  return FAULT_STRINGS[code] ?? (code >= 9800 && code <= 9899 ? 'Vendor-specific fault' : 'Internal error');
}

export interface SpvFaultInput {
  name: string;
  code: number;
  message?: string;
}

/**
 * A SOAP Fault carrying a cwmp:Fault. `message` replaces the standard FaultString when given
 * (GenieACS shows it to the operator); SetParameterValues passes one entry per bad parameter.
 */
export function cwmpFault(code: number, message?: string, spvFaults?: readonly SpvFaultInput[]): Fault {
  const fault: Fault = {
    method: 'Fault',
    faultcode: faultcodeOf(code),
    faultstring: 'CWMP fault',
    faultCode: code,
    faultString: message && message.length > 0 ? message : faultString(code),
  };
  if (spvFaults && spvFaults.length > 0) {
    fault.setParameterValuesFault = spvFaults.map(
      (f): SetParameterValuesFault => ({
        parameterName: f.name,
        faultCode: f.code,
        faultString: f.message && f.message.length > 0 ? f.message : faultString(f.code),
      }),
    );
  }
  return fault;
}

/**
 * Any error from a handler as a CWMP fault: ModelFault keeps its code (and per-parameter
 * faults), anything else is 9002 without internal details.
 */
export function faultFromError(err: unknown, log?: { warn(obj: object, msg: string): void }, method?: string): Fault {
  if (err instanceof ModelFault) {
    const spv = err.parameterFaults?.map((f) => ({ name: f.name, code: f.code, message: f.message }));
    // The top-level string of an SPV fault stays the standard one; the detail is per parameter.
    return cwmpFault(err.code, spv ? undefined : err.message, spv);
  }
  log?.warn({ err: err instanceof Error ? err.message : String(err), method }, 'RPC handler failed');
  return cwmpFault(9002);
}
