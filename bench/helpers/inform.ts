// Builds a periodic Inform the way the daemon does (src/daemon/agent.ts runOneSession): the real
// TR-181 data model of this machine (src/daemon/local-model.ts) in a temp data dir, identity
// refreshed, changes polled, forced + InformParameter parameters, events from the event queue.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inform } from '../../src/cwmp/types.js';
import { currentTime, type Agent } from '../../src/daemon/agent.js';
import { buildAgentModel } from '../../src/daemon/local-model.js';
import { addEvent, emptyEventQueue, eventsForInform } from '../../src/session/events.js';
import { updateSettings } from '../../src/settings/settings.js';

export interface InformSource {
  /** A fresh Inform (2 PERIODIC), built as the daemon builds one before each session. */
  build(): Promise<Inform>;
  /** Wall and CPU ms of each step of the last build(). */
  readonly lastSteps: Record<InformStep, { wall: number; cpu: number }>;
  close(): Promise<void>;
}

export type InformStep = 'refreshIdentity' | 'changedParameters' | 'informParameters';

export async function realInformSource(acsUrl: string): Promise<InformSource> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tr069-bench-model-'));
  try {
    const settings = await updateSettings(dataDir, { 'acs-url': acsUrl, 'periodic-inform-enabled': false });
    // The parts of the Agent the model reads (local-model.ts); a stand-in, not the daemon.
    const agent = {
      settings,
      connectionRequestUrl: () => 'http://127.0.0.1:7547/0123456789abcdef01234567',
      udpConnectionRequestAddress: () => '',
      natDetected: () => false,
      settingsWritten: () => undefined,
    } as unknown as Agent;
    const model = await buildAgentModel({ dataDir, agent });
    const queue = addEvent(emptyEventQueue(), '2 PERIODIC');
    const lastSteps = {} as Record<InformStep, { wall: number; cpu: number }>;
    const step = async <T>(name: InformStep, fn: () => Promise<T>): Promise<T> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const v = await fn();
      const c = process.cpuUsage(c0);
      lastSteps[name] = { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
      return v;
    };
    return {
      lastSteps,
      async build() {
        await step('refreshIdentity', () => model.refreshIdentity());
        // The daemon polls for changes before every Inform; nothing is notified here (no 4 VALUE CHANGE).
        await step('changedParameters', () => model.changedParameters());
        const events = eventsForInform(queue);
        const parameterList = await step('informParameters', () => model.informParameters(events.map((e) => e.eventCode)));
        return {
          method: 'Inform',
          deviceId: model.deviceId(),
          event: events,
          maxEnvelopes: 1,
          currentTime: currentTime(),
          retryCount: 0,
          parameterList,
        };
      },
      close: () => rm(dataDir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
