import type { Download, DownloadResponse, Fault } from '../cwmp/types.js';
import { acceptedDownload, TransferFault } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/**
 * Queued durably before we answer; always Status 1 with unknown times (a Status 0 would make
 * GenieACS mark the task done before anything happened). The result follows in TransferComplete.
 */
export async function handleDownload(req: Download, agent: AgentHooks): Promise<DownloadResponse | Fault> {
  try {
    await agent.transfers.queue.enqueue(req);
  } catch (err) {
    if (err instanceof TransferFault) return cwmpFault(err.faultCode, err.message);
    throw err;
  }
  agent.transfers.poke();
  return acceptedDownload();
}
