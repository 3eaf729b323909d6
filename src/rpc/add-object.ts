import type { AddObject, AddObjectResponse, Fault } from '../cwmp/types.js';
import type { RpcContext } from './context.js';
import { faultFromError } from './faults.js';

/** Creates a row in a writable table ('Device.X.Table.'); 9005 for other paths, 9004 when full. */
export async function handleAddObject(req: AddObject, ctx: RpcContext): Promise<AddObjectResponse | Fault> {
  try {
    const { instanceNumber, status } = await ctx.model.addObject(req.objectName, req.parameterKey);
    ctx.onAcsWrite?.([`${req.objectName}${instanceNumber}.`]);
    return { method: 'AddObjectResponse', instanceNumber, status };
  } catch (err) {
    return faultFromError(err, ctx.log, req.method);
  }
}
