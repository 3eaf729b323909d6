import type { Fault, GetParameterAttributes, GetParameterAttributesResponse } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/** Notification and AccessList of every parameter named or below a partial path. */
export async function handleGetParameterAttributes(
  req: GetParameterAttributes,
  ctx: RpcContext,
): Promise<GetParameterAttributesResponse | Fault> {
  try {
    const parameterList = await ctx.model.getAttributes(req.parameterNames);
    return { method: 'GetParameterAttributesResponse', parameterList };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
