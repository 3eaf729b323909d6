import type { Fault, ScheduleInform, ScheduleInformResponse } from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';
import { cwmpFault } from './faults.js';

const MAX_PENDING = 16;

export async function handleScheduleInform(req: ScheduleInform, agent: AgentHooks): Promise<ScheduleInformResponse | Fault> {
  if (!Number.isInteger(req.delaySeconds) || req.delaySeconds < 1 || req.delaySeconds > 0xffffffff) {
    return cwmpFault(9003, 'DelaySeconds must be at least 1');
  }
  if (req.commandKey.length > 32) return cwmpFault(9003, 'CommandKey longer than 32 characters');
  if (agent.pendingScheduledInforms() >= MAX_PENDING) return cwmpFault(9004, `at most ${MAX_PENDING} ScheduleInforms may be pending`);
  await agent.scheduleInform(req.delaySeconds, req.commandKey);
  return { method: 'ScheduleInformResponse' };
}
