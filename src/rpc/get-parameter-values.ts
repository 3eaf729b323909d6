import type { Fault, GetParameterValues, GetParameterValuesResponse } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/** Full names and partial paths (all parameters below); any unknown name faults the whole request (9005). */
export async function handleGetParameterValues(req: GetParameterValues, ctx: RpcContext): Promise<GetParameterValuesResponse | Fault> {
  try {
    const parameterList = await ctx.model.getValues(req.parameterNames);
    return { method: 'GetParameterValuesResponse', parameterList };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
