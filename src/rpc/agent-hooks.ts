import type { TransferQueue } from '../transfers/index.js';

// What RPC handlers may ask of the agent. Actions that change the device (reboot, factory reset)
// are only recorded durably here; the agent performs them after the session has ended cleanly.

export interface AgentHooks {
  /** Persist the CommandKey, then reboot once the session ends. */
  requestReboot(commandKey: string): Promise<void>;
  /** Factory reset once the session ends. */
  requestFactoryReset(): Promise<void>;
  /** Persist a ScheduleInform; the session with 3 SCHEDULED + M ScheduleInform follows after the delay. */
  scheduleInform(delaySeconds: number, commandKey: string): Promise<void>;
  /** How many ScheduleInforms are pending (for the queue limit). */
  pendingScheduledInforms(): number;
  readonly transfers: {
    readonly queue: TransferQueue;
    /** Start working on newly queued transfers. */
    poke(): void;
    /** Cancel (and abort if running) transfers with this CommandKey. */
    cancel(commandKey: string): Promise<void>;
  };
}
