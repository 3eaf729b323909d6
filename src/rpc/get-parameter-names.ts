import type { Fault, GetParameterNames, GetParameterNamesResponse } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/** '' is the root ('Device.' alone with NextLevel); NextLevel on a parameter is 9003, unknown paths 9005. */
export async function handleGetParameterNames(req: GetParameterNames, ctx: RpcContext): Promise<GetParameterNamesResponse | Fault> {
  try {
    const parameterList = await ctx.model.getNames(req.parameterPath, req.nextLevel);
    return { method: 'GetParameterNamesResponse', parameterList };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
