// The Inform event queue (cwmp-cpe.md §5.1–5.3) as pure functions over a serialisable state: an array
// of {code, commandKey, seq}, oldest first. The seq says which Inform an entry could have been part of:
// the InformResponse removes only the entries that Inform carried, so an event raised again during the
// session (addEvent gives it a higher seq) survives to the next Inform.
import type { EventStruct } from '../cwmp/types.js';

export interface QueuedEvent {
  code: string;
  /** Empty for every code except the "M …" ones. */
  commandKey: string;
  /** Ordering stamp given by addEvent; absent (read as 0) in entries written by older code. */
  seq?: number;
}

/** Oldest first. At most one entry per single code, one per CommandKey for "M …" codes. */
export type EventQueueState = QueuedEvent[];

/** An EventStruct of an Inform that remembers the queue entry it came from (the codec ignores `seq`). */
export interface InformEvent extends EventStruct {
  seq: number;
}

/** What delivers an event (the response that completes it). */
export type Completion =
  | 'InformResponse'
  | 'TransferCompleteResponse'
  | 'AutonomousTransferCompleteResponse'
  | 'RequestDownloadResponse'
  | 'KickedResponse'
  | 'DUStateChangeCompleteResponse'
  | 'AutonomousDUStateChangeCompleteResponse'
  | 'vendor';

export interface EventRule {
  /** "Multiple": one instance per CommandKey. */
  cumulative: boolean;
  completes: Completion;
  /** Kept for the retry after a failed session. */
  retryAfterFailure: boolean;
  keepAcrossReboot: boolean;
}

export const MAX_INFORM_EVENTS = 64;

const rule = (cumulative: boolean, completes: Completion, retryAfterFailure: boolean, keepAcrossReboot: boolean): EventRule => ({
  cumulative,
  completes,
  retryAfterFailure,
  keepAcrossReboot,
});

/** Table 5.1. "1 BOOT" is not kept across a reboot because the new boot raises its own. */
export const EVENT_RULES: Readonly<Record<string, EventRule>> = {
  '0 BOOTSTRAP': rule(false, 'InformResponse', true, true),
  '1 BOOT': rule(false, 'InformResponse', true, false),
  '2 PERIODIC': rule(false, 'InformResponse', true, false),
  '3 SCHEDULED': rule(false, 'InformResponse', true, true),
  '4 VALUE CHANGE': rule(false, 'InformResponse', true, false),
  '5 KICKED': rule(false, 'KickedResponse', true, true),
  '6 CONNECTION REQUEST': rule(false, 'InformResponse', false, false),
  '7 TRANSFER COMPLETE': rule(false, 'TransferCompleteResponse', true, true),
  '8 DIAGNOSTICS COMPLETE': rule(false, 'InformResponse', true, false),
  '9 REQUEST DOWNLOAD': rule(false, 'RequestDownloadResponse', true, true),
  '10 AUTONOMOUS TRANSFER COMPLETE': rule(false, 'AutonomousTransferCompleteResponse', true, true),
  '11 DU STATE CHANGE COMPLETE': rule(false, 'DUStateChangeCompleteResponse', true, true),
  '12 AUTONOMOUS DU STATE CHANGE COMPLETE': rule(false, 'AutonomousDUStateChangeCompleteResponse', true, true),
  '13 WAKEUP': rule(false, 'InformResponse', true, true),
  '14 HEARTBEAT': rule(false, 'InformResponse', true, false),
  'M Reboot': rule(true, 'InformResponse', true, true),
  'M ScheduleInform': rule(true, 'InformResponse', true, true),
  'M Download': rule(true, 'TransferCompleteResponse', true, true),
  'M ScheduleDownload': rule(true, 'TransferCompleteResponse', true, true),
  'M Upload': rule(true, 'TransferCompleteResponse', true, true),
  'M ChangeDUState': rule(true, 'DUStateChangeCompleteResponse', true, true),
};

/** Codes that always travel with another one (§5.1 "Pairings"); the partner is queued first. */
const PARTNER: Readonly<Record<string, string>> = {
  'M Reboot': '1 BOOT',
  'M ScheduleInform': '3 SCHEDULED',
  'M Download': '7 TRANSFER COMPLETE',
  'M ScheduleDownload': '7 TRANSFER COMPLETE',
  'M Upload': '7 TRANSFER COMPLETE',
  'M ChangeDUState': '11 DU STATE CHANGE COMPLETE',
};

const TRANSFER_CODES = new Set(['M Download', 'M ScheduleDownload', 'M Upload']);
// Schema patterns for EventCode: standard "\d+( \S+)+", method "M \S+", vendor "X \S+ .+".
const EVENT_CODE = /^(?:\d+(?: \S+)+|M \S+|X \S+ .+)$/;

/** The rule for any code; unlisted "M X_…" vendor methods are cumulative and stay until removed. */
export function eventRule(code: string): EventRule {
  const known = EVENT_RULES[code];
  if (known !== undefined) return known;
  if (code.startsWith('M ')) return rule(true, 'vendor', true, true);
  // Vendor "X <OUI> name" events and codes newer than this table: informative, delivered with the Inform.
  return rule(false, 'InformResponse', true, true);
}

export function emptyEventQueue(): EventQueueState {
  return [];
}

const seqOf = (e: QueuedEvent): number => e.seq ?? 0;
const nextSeq = (events: readonly QueuedEvent[]): number => events.reduce((m, e) => Math.max(m, seqOf(e)), 0) + 1;

/** Same queue slot: same code, and for "M …" codes the same CommandKey. */
function sameSlot(code: string, commandKey: string, other: { code: string; commandKey: string }): boolean {
  return other.code === code && (!eventRule(code).cumulative || other.commandKey === commandKey);
}

function add(events: readonly QueuedEvent[], code: string, commandKey: string, seq: number): QueuedEvent[] {
  const key = eventRule(code).cumulative ? commandKey : '';
  const at = events.findIndex((e) => sameSlot(code, key, e));
  if (at === -1) return [...events, { code, commandKey: key, seq }];
  return events.map((e, i) => (i === at ? { ...e, seq } : e));
}

/**
 * Queues an event (and its partner code, first). A single code already queued, or an M code with the
 * same CommandKey, is not duplicated: it keeps its place but gets a higher seq, so an Inform already
 * in flight no longer covers it. Accepts `(state, code, commandKey)` or `(state, {code, commandKey})`.
 */
export function addEvent(
  state: readonly QueuedEvent[],
  event: string | { code: string; commandKey?: string },
  commandKey = '',
): EventQueueState {
  const code = typeof event === 'string' ? event : event.code;
  const key = typeof event === 'string' ? commandKey : (event.commandKey ?? '');
  if (code.length > 64 || !EVENT_CODE.test(code)) throw new RangeError(`not a CWMP event code: "${code}"`);
  let events = [...state];
  const partner = PARTNER[code];
  if (partner !== undefined) events = add(events, partner, '', nextSeq(events));
  return add(events, code, key, nextSeq(events));
}

/**
 * The Event array of the next Inform: oldest first, at most 64. Keep it until the InformResponse and
 * hand it to `onInformAcknowledged`.
 */
export function eventsForInform(state: readonly QueuedEvent[]): InformEvent[] {
  const out: InformEvent[] = [];
  for (const e of state) {
    // A duplicate (possible only in a hand-edited file) is not sent twice: it goes with its twin,
    // which takes the higher seq so that the InformResponse delivers both.
    const twin = out.find((x) => sameSlot(e.code, e.commandKey, { code: x.eventCode, commandKey: x.commandKey }));
    if (twin !== undefined) twin.seq = Math.max(twin.seq, seqOf(e));
    else if (out.length < MAX_INFORM_EVENTS) out.push({ eventCode: e.code, commandKey: e.commandKey, seq: seqOf(e) });
  }
  return out;
}

/**
 * InformResponse arrived: the events that Inform carried (`sent`, from eventsForInform) and that
 * complete with it are delivered. Entries raised again since then have a higher seq and stay.
 */
export function onInformAcknowledged(state: readonly QueuedEvent[], sent: readonly InformEvent[]): EventQueueState {
  return state.filter(
    (e) =>
      !(
        eventRule(e.code).completes === 'InformResponse' &&
        sent.some((x) => seqOf(e) <= x.seq && sameSlot(e.code, e.commandKey, { code: x.eventCode, commandKey: x.commandKey }))
      ),
  );
}

/**
 * TransferCompleteResponse (or fault 8000/8001) for `commandKey`: its M Download / M Upload /
 * M ScheduleDownload events go, unless another TransferComplete with the same key is still pending;
 * "7 TRANSFER COMPLETE" goes when no transfer event and no pending TransferComplete is left.
 */
export function onTransferCompleteAcknowledged(
  state: readonly QueuedEvent[],
  commandKey: string,
  stillPendingKeys: readonly string[] = [],
): EventQueueState {
  let events = [...state];
  if (!stillPendingKeys.includes(commandKey)) {
    events = events.filter((e) => !(TRANSFER_CODES.has(e.code) && e.commandKey === commandKey));
  }
  if (stillPendingKeys.length === 0 && !events.some((e) => TRANSFER_CODES.has(e.code))) {
    events = events.filter((e) => e.code !== '7 TRANSFER COMPLETE');
  }
  return events;
}

/** Removes one event (any CommandKey when `commandKey` is undefined), e.g. after AutonomousTransferCompleteResponse. */
export function removeEvent(state: readonly QueuedEvent[], code: string, commandKey?: string): EventQueueState {
  return state.filter((e) => !(e.code === code && (commandKey === undefined || e.commandKey === commandKey)));
}

/** A failed session: events that must not be retried ("6 CONNECTION REQUEST") are dropped. */
export function onSessionFailed(state: readonly QueuedEvent[]): EventQueueState {
  return state.filter((e) => eventRule(e.code).retryAfterFailure);
}

/** After a (re)boot: keep what survives a reboot, then queue "1 BOOT" and, for an ACS Reboot, "M Reboot". */
export function onBoot(state: readonly QueuedEvent[], opts: { rebootCommandKey?: string } = {}): EventQueueState {
  const base = nextSeq(state);
  let events = state.filter((e) => eventRule(e.code).keepAcrossReboot);
  events = add(events, '1 BOOT', '', base);
  if (opts.rebootCommandKey !== undefined) events = add(events, 'M Reboot', opts.rebootCommandKey, base + 1);
  return events;
}

/**
 * New ACS (first start, factory reset, URL change): nothing queued for the old ACS is delivered to the
 * new one. Only a not-yet-reported "1 BOOT" stays: the device did boot, whatever the ACS.
 * Seqs continue from the old queue so an Inform in flight cannot cover the new entries.
 */
export function onBootstrap(state: readonly QueuedEvent[]): EventQueueState {
  const base = nextSeq(state);
  const events: QueuedEvent[] = [{ code: '0 BOOTSTRAP', commandKey: '', seq: base }];
  if (state.some((e) => e.code === '1 BOOT')) events.push({ code: '1 BOOT', commandKey: '', seq: base + 1 });
  return events;
}

/** Checks a stored queue (an array of {code, commandKey, seq?}); also reads `{events: [...]}`. */
export function parseEventQueue(raw: unknown): EventQueueState {
  const list: unknown = Array.isArray(raw) ? raw : (raw as { events?: unknown } | null)?.events;
  if (!Array.isArray(list)) throw new Error('event queue must be an array of {code, commandKey}');
  return list.map((item: unknown) => {
    const e = item as Partial<QueuedEvent> | null;
    if (typeof e?.code !== 'string' || !EVENT_CODE.test(e.code)) throw new Error(`bad event entry ${JSON.stringify(item)}`);
    const out: QueuedEvent = { code: e.code, commandKey: typeof e.commandKey === 'string' ? e.commandKey : '' };
    if (Number.isSafeInteger(e.seq) && (e.seq as number) >= 0) out.seq = e.seq;
    return out;
  });
}
