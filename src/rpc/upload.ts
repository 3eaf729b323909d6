import type { Fault, Upload, UploadResponse } from '../cwmp/types.js';
import { acceptedUpload } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { enqueueTransfer } from './enqueue-transfer.js';

/** Status 1; the result follows in TransferComplete (M Upload). */
export async function handleUpload(req: Upload, agent: AgentHooks): Promise<UploadResponse | Fault> {
  return (await enqueueTransfer(req, agent)) ?? acceptedUpload();
}
