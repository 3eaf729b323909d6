import type { Fault, SetParameterValues, SetParameterValuesResponse } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/**
 * All or nothing: per-parameter faults (9005–9008) come back under 9003; a duplicate name is
 * 9003; a backend failing midway is rolled back and answered 9002. ParameterKey only on success.
 */
export async function handleSetParameterValues(req: SetParameterValues, ctx: RpcContext): Promise<SetParameterValuesResponse | Fault> {
  try {
    const { status } = await ctx.model.setValues(req.parameterList, req.parameterKey);
    ctx.onAcsWrite?.(req.parameterList.map((p) => p.name));
    return { method: 'SetParameterValuesResponse', status };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
