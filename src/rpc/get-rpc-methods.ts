import type { GetRPCMethods, GetRPCMethodsResponse } from '../cwmp/types.js';

/** Every ACS→CPE method this client answers (TR-069 Table 5 plus the optional ones implemented). */
export const SUPPORTED_METHODS = [
  'GetRPCMethods',
  'SetParameterValues',
  'GetParameterValues',
  'GetParameterNames',
  'SetParameterAttributes',
  'GetParameterAttributes',
  'AddObject',
  'DeleteObject',
  'Reboot',
  'Download',
  'Upload',
  'FactoryReset',
  'ScheduleInform',
  'ScheduleDownload',
  'CancelTransfer',
  'GetQueuedTransfers',
  'GetAllQueuedTransfers',
] as const;

export async function handleGetRPCMethods(_req: GetRPCMethods): Promise<GetRPCMethodsResponse> {
  return { method: 'GetRPCMethodsResponse', methodList: [...SUPPORTED_METHODS] };
}
