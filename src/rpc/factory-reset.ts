import type { FactoryReset, FactoryResetResponse } from '../cwmp/types.js';
import type { AgentHooks } from './agent-hooks.js';

/** Recorded now, carried out after the session ends (the ACS must get its response first). */
export async function handleFactoryReset(_req: FactoryReset, agent: AgentHooks): Promise<FactoryResetResponse> {
  await agent.requestFactoryReset();
  return { method: 'FactoryResetResponse' };
}
