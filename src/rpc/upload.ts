import type { Fault, Upload, UploadResponse } from '../cwmp/types.js';
import { acceptedUpload, TransferFault } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/** Queued durably; Status 1, the result follows in TransferComplete (M Upload). */
export async function handleUpload(req: Upload, agent: AgentHooks): Promise<UploadResponse | Fault> {
  try {
    await agent.transfers.queue.enqueue(req);
  } catch (err) {
    if (err instanceof TransferFault) return cwmpFault(err.faultCode, err.message);
    throw err;
  }
  agent.transfers.poke();
  return acceptedUpload();
}
