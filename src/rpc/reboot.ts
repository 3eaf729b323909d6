import type { Fault, Reboot, RebootResponse } from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

/** The CommandKey is persisted before we answer; the reboot itself happens after the session. */
export async function handleReboot(req: Reboot, agent: AgentHooks): Promise<RebootResponse | Fault> {
  if (req.commandKey.length > 32) return cwmpFault(9003, 'CommandKey longer than 32 characters');
  await agent.requestReboot(req.commandKey);
  return { method: 'RebootResponse' };
}
