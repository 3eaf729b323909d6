// What the parameter RPC handlers need from the agent. The lead adds fields as handlers grow.
import type { Model } from '../datamodel/model.js';

export interface RpcLogger {
  warn(obj: object, msg: string): void;
}

export interface RpcContext {
  model: Model;
  /**
   * Called after SetParameterValues/AddObject/DeleteObject changed these paths (full parameter
   * names, or object paths ending in '.'), e.g. to reschedule the periodic Inform or note a new
   * ACS URL. The model already keeps these changes out of value-change notifications.
   */
  onAcsWrite?(paths: string[]): void;
  /** Unexpected (non-CWMP) errors are logged here before being answered with 9002. */
  log?: RpcLogger;
}
