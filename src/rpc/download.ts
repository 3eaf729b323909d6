import type { Download, DownloadResponse, Fault } from '../cwmp/types.js';
import { acceptedDownload } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { enqueueTransfer } from './enqueue-transfer.js';

/**
 * Always Status 1 with unknown times (a Status 0 would make GenieACS mark the task done before
 * anything happened); the result follows in TransferComplete.
 */
export async function handleDownload(req: Download, agent: AgentHooks): Promise<DownloadResponse | Fault> {
  return (await enqueueTransfer(req, agent)) ?? acceptedDownload();
}
