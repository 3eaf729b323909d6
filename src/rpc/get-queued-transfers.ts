import type {
  GetAllQueuedTransfers,
  GetAllQueuedTransfersResponse,
  GetQueuedTransfers,
  GetQueuedTransfersResponse,
} from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';

/** Deprecated in CWMP, still answered: ACS-requested transfers only. */
export async function handleGetQueuedTransfers(_req: GetQueuedTransfers, agent: AgentHooks): Promise<GetQueuedTransfersResponse> {
  return { method: 'GetQueuedTransfersResponse', transferList: await agent.transfers.queue.getQueuedTransfers() };
}

export async function handleGetAllQueuedTransfers(_req: GetAllQueuedTransfers, agent: AgentHooks): Promise<GetAllQueuedTransfersResponse> {
  return { method: 'GetAllQueuedTransfersResponse', transferList: await agent.transfers.queue.getAllQueuedTransfers() };
}
