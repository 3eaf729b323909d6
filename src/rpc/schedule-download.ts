import type { Fault, ScheduleDownload, ScheduleDownloadResponse } from '../cwmp/types.js';
import { TransferFault } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/** Queued with its time windows; the result follows in TransferComplete (M ScheduleDownload). */
export async function handleScheduleDownload(req: ScheduleDownload, agent: AgentHooks): Promise<ScheduleDownloadResponse | Fault> {
  try {
    await agent.transfers.queue.enqueue(req);
  } catch (err) {
    if (err instanceof TransferFault) return cwmpFault(err.faultCode, err.message);
    throw err;
  }
  agent.transfers.poke();
  return { method: 'ScheduleDownloadResponse' };
}
