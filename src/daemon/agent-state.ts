// state.json: what the agent must remember across crashes and reboots — the pending events, the URL
// it bootstrapped with, actions it promised the ACS (reboot, factory reset, scheduled informs) and the
// connection-request path. Every change is saved before it is acted on.
import { randomBytes } from 'node:crypto';
import { DurableFile } from '../store/durable-file.js';
import { dataPaths } from '../store/paths.js';

import { parseEventQueue, type EventQueueState } from '../session/events.js';

export interface AgentState {
  events: EventQueueState;
  /** The ACS URL for which 0 BOOTSTRAP was queued (null: never). A different acs-url means BOOTSTRAP. */
  bootstrappedUrl: string | null;
  /**
   * Reboots the ACS asked for. `started` is set just before reboot-command runs: the next start
   * reports M Reboot for those; one owed but never begun (the daemon died first) is carried out.
   */
  pendingReboots: { commandKey: string; started: boolean }[];
  /** A FactoryReset the ACS asked for, carried out after the session. */
  factoryResetPending: boolean;
  scheduledInforms: { dueAt: number; commandKey: string }[];
  /** Random per device, part of ConnectionRequestURL. */
  connectionRequestPath: string;
  /** End of the last successful session (ms since epoch), for the RouterOS-style periodic timer. */
  lastSuccessAt: number | null;
  /** Highest `ts` of a correctly signed UDP connection request: older ones are replays, even after a restart. */
  udpReplayFloor: number | null;
}

export function newAgentState(): AgentState {
  return {
    events: [],
    bootstrappedUrl: null,
    pendingReboots: [],
    factoryResetPending: false,
    scheduledInforms: [],
    connectionRequestPath: randomBytes(12).toString('hex'),
    lastSuccessAt: null,
    udpReplayFloor: null,
  };
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
  return v;
}

function checkAgentState(raw: unknown): AgentState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('expected a JSON object');
  const r = raw as Record<string, unknown>;
  const s = newAgentState();
  if (r.events !== undefined) s.events = parseEventQueue(r.events);
  if (r.bootstrappedUrl !== undefined && r.bootstrappedUrl !== null) s.bootstrappedUrl = str(r.bootstrappedUrl, 'bootstrappedUrl');
  if (Array.isArray(r.pendingReboots)) {
    s.pendingReboots = r.pendingReboots.map((e: unknown, i) => {
      const o = (e ?? {}) as Record<string, unknown>;
      return { commandKey: str(o.commandKey ?? '', `pendingReboots[${i}].commandKey`), started: o.started === true };
    });
  }
  s.factoryResetPending = r.factoryResetPending === true;
  if (Array.isArray(r.scheduledInforms)) {
    s.scheduledInforms = r.scheduledInforms.map((e: unknown, i) => {
      const o = (e ?? {}) as Record<string, unknown>;
      if (typeof o.dueAt !== 'number') throw new Error(`scheduledInforms[${i}].dueAt must be a number`);
      return { dueAt: o.dueAt, commandKey: str(o.commandKey ?? '', `scheduledInforms[${i}].commandKey`) };
    });
  }
  if (typeof r.connectionRequestPath === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(r.connectionRequestPath)) {
    s.connectionRequestPath = r.connectionRequestPath;
  }
  if (typeof r.lastSuccessAt === 'number') s.lastSuccessAt = r.lastSuccessAt;
  if (typeof r.udpReplayFloor === 'number' && Number.isFinite(r.udpReplayFloor)) s.udpReplayFloor = r.udpReplayFloor;
  return s;
}

export function agentStateFile(dataDir: string): DurableFile<AgentState> {
  return new DurableFile(dataPaths(dataDir).state, newAgentState, checkAgentState);
}
