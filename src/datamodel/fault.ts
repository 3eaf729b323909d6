// Errors the model raises carry the CWMP fault code the spec gives for them; src/rpc turns them
// into SOAP faults, the CLI into messages.

export interface ParameterFault {
  name: string;
  code: number;
  message: string;
}

export class ModelFault extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** SetParameterValues only: one entry per parameter at fault (with code 9003 at the top). */
    readonly parameterFaults?: ParameterFault[],
  ) {
    super(message);
    this.name = 'ModelFault';
  }
}

export const FAULT = {
  REQUEST_DENIED: 9001,
  INTERNAL_ERROR: 9002,
  INVALID_ARGUMENTS: 9003,
  RESOURCES_EXCEEDED: 9004,
  INVALID_PARAMETER_NAME: 9005,
  INVALID_PARAMETER_TYPE: 9006,
  INVALID_PARAMETER_VALUE: 9007,
  NOT_WRITABLE: 9008,
  NOTIFICATION_REJECTED: 9009,
} as const;
