// The event queue on disk. Every change is written (atomically, fsync'd, under the file lock) before
// the method resolves, so a caller acts on an event only once losing power can no longer lose it.
import { DurableFile } from '../store/durable-file.js';
import {
  addEvent,
  emptyEventQueue,
  eventsForInform,
  onBoot,
  onBootstrap,
  onInformAcknowledged,
  onSessionFailed,
  onTransferCompleteAcknowledged,
  parseEventQueue,
  removeEvent,
  type EventQueueState,
  type InformEvent,
} from './events.js';

export class EventStore {
  private state: EventQueueState = emptyEventQueue();
  /** Changes from this process go one after another (the file lock guards against other processes). */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly file: DurableFile<EventQueueState>;

  private constructor(path: string) {
    this.file = new DurableFile(path, emptyEventQueue, parseEventQueue);
  }

  /** Loads the queue (empty when the file does not exist); a corrupt file rejects with StateFileError. */
  static async open(path: string): Promise<EventStore> {
    const store = new EventStore(path);
    store.state = await store.file.load();
    return store;
  }

  get path(): string {
    return this.file.path;
  }

  /** The queue as last saved. */
  get current(): EventQueueState {
    return this.state;
  }

  eventsForInform(): InformEvent[] {
    return eventsForInform(this.state);
  }

  /** Applies a pure change to the stored queue and saves it; resolves with the saved queue. */
  apply(change: (s: EventQueueState) => EventQueueState): Promise<EventQueueState> {
    const run = this.chain.then(async () => {
      this.state = await this.file.update(change);
      return this.state;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  add(code: string, commandKey = ''): Promise<EventQueueState> {
    return this.apply((s) => addEvent(s, code, commandKey));
  }
  informAcknowledged(sent: readonly InformEvent[]): Promise<EventQueueState> {
    return this.apply((s) => onInformAcknowledged(s, sent));
  }
  transferCompleteAcknowledged(commandKey: string, stillPendingKeys: readonly string[] = []): Promise<EventQueueState> {
    return this.apply((s) => onTransferCompleteAcknowledged(s, commandKey, stillPendingKeys));
  }
  remove(code: string, commandKey?: string): Promise<EventQueueState> {
    return this.apply((s) => removeEvent(s, code, commandKey));
  }
  sessionFailed(): Promise<EventQueueState> {
    return this.apply(onSessionFailed);
  }
  boot(opts: { rebootCommandKey?: string } = {}): Promise<EventQueueState> {
    return this.apply((s) => onBoot(s, opts));
  }
  bootstrap(): Promise<EventQueueState> {
    return this.apply(onBootstrap);
  }
}
