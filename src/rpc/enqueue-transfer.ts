import type { Fault } from '../cwmp/types.js';
import { TransferFault, type TransferRequest } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/**
 * Puts a Download/ScheduleDownload/Upload on the durable queue (on disk before the ACS gets its
 * answer) and wakes the runner. Returns the synchronous fault when the request is refused.
 */
export async function enqueueTransfer(req: TransferRequest, agent: AgentHooks): Promise<Fault | undefined> {
  try {
    await agent.transfers.queue.enqueue(req);
  } catch (err) {
    if (err instanceof TransferFault) return cwmpFault(err.faultCode, err.message);
    throw err;
  }
  agent.transfers.poke();
  return undefined;
}
