import type { DeleteObject, DeleteObjectResponse, Fault } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/** Deletes one row ('Device.X.Table.3.') and everything below it; 9005 for unknown/undeletable rows. */
export async function handleDeleteObject(req: DeleteObject, ctx: RpcContext): Promise<DeleteObjectResponse | Fault> {
  try {
    const { status } = await ctx.model.deleteObject(req.objectName, req.parameterKey);
    ctx.onAcsWrite?.([req.objectName]);
    return { method: 'DeleteObjectResponse', status };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
