import type { Fault, ScheduleDownload, ScheduleDownloadResponse } from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';
import { enqueueTransfer } from './enqueue-transfer.js';

/** Queued with its time windows; the result follows in TransferComplete (M ScheduleDownload). */
export async function handleScheduleDownload(req: ScheduleDownload, agent: AgentHooks): Promise<ScheduleDownloadResponse | Fault> {
  return (await enqueueTransfer(req, agent)) ?? { method: 'ScheduleDownloadResponse' };
}
