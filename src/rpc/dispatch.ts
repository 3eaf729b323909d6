// Maps each ACS request to the one file that handles it, and guarantees an answer: a handler that
// throws yields a CWMP fault, and one that hangs is cut off before the ACS gives up on the session
// (GenieACS drops a session after 30 s of silence).
import type { AcsRequest, CpeResponse, Fault } from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';
import type { RpcContext } from './context.js';
import { cwmpFault, faultFromError } from './faults.js';
import { handleAddObject } from './add-object.js';
import { handleCancelTransfer } from './cancel-transfer.js';
import { handleDeleteObject } from './delete-object.js';
import { handleDownload } from './download.js';
import { handleFactoryReset } from './factory-reset.js';
import { handleGetAllQueuedTransfers, handleGetQueuedTransfers } from './get-queued-transfers.js';
import { handleGetParameterAttributes } from './get-parameter-attributes.js';
import { handleGetParameterNames } from './get-parameter-names.js';
import { handleGetParameterValues } from './get-parameter-values.js';
import { handleGetRPCMethods } from './get-rpc-methods.js';
import { handleReboot } from './reboot.js';
import { handleScheduleDownload } from './schedule-download.js';
import { handleScheduleInform } from './schedule-inform.js';
import { handleSetParameterAttributes } from './set-parameter-attributes.js';
import { handleSetParameterValues } from './set-parameter-values.js';
import { handleUpload } from './upload.js';

export type DispatchContext = RpcContext & { agent: AgentHooks };

const HANDLER_TIMEOUT_MS = 25_000;

function route(req: AcsRequest, ctx: DispatchContext): Promise<CpeResponse | Fault> {
  switch (req.method) {
    case 'GetRPCMethods':
      return handleGetRPCMethods(req);
    case 'GetParameterValues':
      return handleGetParameterValues(req, ctx);
    case 'GetParameterNames':
      return handleGetParameterNames(req, ctx);
    case 'SetParameterValues':
      return handleSetParameterValues(req, ctx);
    case 'GetParameterAttributes':
      return handleGetParameterAttributes(req, ctx);
    case 'SetParameterAttributes':
      return handleSetParameterAttributes(req, ctx);
    case 'AddObject':
      return handleAddObject(req, ctx);
    case 'DeleteObject':
      return handleDeleteObject(req, ctx);
    case 'Reboot':
      return handleReboot(req, ctx.agent);
    case 'FactoryReset':
      return handleFactoryReset(req, ctx.agent);
    case 'ScheduleInform':
      return handleScheduleInform(req, ctx.agent);
    case 'Download':
      return handleDownload(req, ctx.agent);
    case 'ScheduleDownload':
      return handleScheduleDownload(req, ctx.agent);
    case 'Upload':
      return handleUpload(req, ctx.agent);
    case 'CancelTransfer':
      return handleCancelTransfer(req, ctx.agent);
    case 'GetQueuedTransfers':
      return handleGetQueuedTransfers(req, ctx.agent);
    case 'GetAllQueuedTransfers':
      return handleGetAllQueuedTransfers(req, ctx.agent);
    case 'ChangeDUState':
      return Promise.resolve(cwmpFault(9000, 'ChangeDUState is not supported'));
  }
}

export async function dispatchRequest(req: AcsRequest, ctx: DispatchContext): Promise<CpeResponse | Fault> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Fault>((resolve) => {
    timer = setTimeout(() => {
      ctx.log?.warn({ method: req.method }, 'RPC handler too slow; answering 9002');
      resolve(cwmpFault(9002, `${req.method} took longer than ${HANDLER_TIMEOUT_MS / 1000} s`));
    }, HANDLER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([route(req, ctx).catch((err: unknown) => faultFromError(err, ctx.log, req.method)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
