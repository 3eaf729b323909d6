import type { Fault, SetParameterAttributes, SetParameterAttributesResponse } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { cwmpFault, faultFromError } from './faults.js';

/**
 * Applies Notification / AccessList only where their change flag is true (GenieACS sends an
 * empty Notification otherwise). Active notification on a canDeny parameter is 9009; values 3–6
 * (lightweight notifications, not implemented) are 9009 too.
 */
export async function handleSetParameterAttributes(
  req: SetParameterAttributes,
  ctx: RpcContext,
): Promise<SetParameterAttributesResponse | Fault> {
  if (req.parameterList.length === 0) return cwmpFault(9003, 'ParameterList is empty');
  try {
    await ctx.model.setAttributes(req.parameterList);
    return { method: 'SetParameterAttributesResponse' };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
