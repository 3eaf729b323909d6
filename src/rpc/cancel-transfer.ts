import type { CancelTransfer, CancelTransferResponse, Fault } from '../cwmp/types.js';
import { TransferFault } from '../transfers/index.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/** 9021 once a transfer is being applied or has completed; 9003 for an unknown CommandKey. */
export async function handleCancelTransfer(req: CancelTransfer, agent: AgentHooks): Promise<CancelTransferResponse | Fault> {
  try {
    await agent.transfers.cancel(req.commandKey);
  } catch (err) {
    if (err instanceof TransferFault) return cwmpFault(err.faultCode, err.message);
    throw err;
  }
  return { method: 'CancelTransferResponse' };
}
