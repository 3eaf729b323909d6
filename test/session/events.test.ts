import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_RULES,
  addEvent,
  emptyEventQueue,
  eventRule,
  eventsForInform,
  onBoot,
  onBootstrap,
  onInformAcknowledged,
  onSessionFailed,
  onTransferCompleteAcknowledged,
  parseEventQueue,
  removeEvent,
  type EventQueueState,
} from '../../src/session/events.js';

function queue(...events: [string, string?][]): EventQueueState {
  let s = emptyEventQueue();
  for (const [code, key] of events) s = addEvent(s, code, key ?? '');
  return s;
}

function codes(s: EventQueueState): string[] {
  return s.map((e) => (e.commandKey ? `${e.code}:${e.commandKey}` : e.code));
}

function informCodes(s: EventQueueState): string[] {
  return eventsForInform(s).map((e) => (e.commandKey ? `${e.eventCode}:${e.commandKey}` : e.eventCode));
}

// [code, commandKey, delivered by InformResponse, kept after a failed session, kept across reboot]
const TABLE: [string, string, boolean, boolean, boolean][] = [
  ['0 BOOTSTRAP', '', true, true, true],
  ['1 BOOT', '', true, true, false],
  ['2 PERIODIC', '', true, true, false],
  ['3 SCHEDULED', '', true, true, true],
  ['4 VALUE CHANGE', '', true, true, false],
  ['5 KICKED', '', false, true, true],
  ['6 CONNECTION REQUEST', '', true, false, false],
  ['7 TRANSFER COMPLETE', '', false, true, true],
  ['8 DIAGNOSTICS COMPLETE', '', true, true, false],
  ['9 REQUEST DOWNLOAD', '', false, true, true],
  ['10 AUTONOMOUS TRANSFER COMPLETE', '', false, true, true],
  ['11 DU STATE CHANGE COMPLETE', '', false, true, true],
  ['12 AUTONOMOUS DU STATE CHANGE COMPLETE', '', false, true, true],
  ['13 WAKEUP', '', true, true, true],
  ['14 HEARTBEAT', '', true, true, false],
  ['M Reboot', 'r1', true, true, true],
  ['M ScheduleInform', 's1', true, true, true],
  ['M Download', 'd1', false, true, true],
  ['M ScheduleDownload', 'sd1', false, true, true],
  ['M Upload', 'u1', false, true, true],
  ['M ChangeDUState', 'c1', false, true, true],
  ['M X_ACME_Thing', 'v1', false, true, true],
  ['X 00AABB Tamper', '', true, true, true],
];

describe('event queue rules (cwmp-cpe.md §5)', () => {
  test('the table covers every standard code', () => {
    for (const code of Object.keys(EVENT_RULES)) assert.ok(TABLE.some(([c]) => c === code), code);
  });

  for (const [code, key, byInform, keptAfterFailure, keptAcrossReboot] of TABLE) {
    test(`${code}: InformResponse ${byInform ? 'delivers' : 'keeps'}, failed session ${keptAfterFailure ? 'keeps' : 'drops'}, reboot ${keptAcrossReboot ? 'keeps' : 'drops'}`, () => {
      const s = addEvent(emptyEventQueue(), code, key);
      const has = (q: EventQueueState): boolean => q.some((e) => e.code === code && e.commandKey === key);
      assert.ok(has(s));
      assert.equal(has(onInformAcknowledged(s, eventsForInform(s))), !byInform);
      assert.equal(has(onSessionFailed(s)), keptAfterFailure);
      if (code === '1 BOOT') {
        assert.notEqual(onBoot(s)[0].seq, s[0].seq, 'replaced by the new boot\'s 1 BOOT');
      } else {
        assert.equal(has(onBoot(s)), keptAcrossReboot);
      }
      assert.equal(eventRule(code).cumulative, code.startsWith('M '));
    });
  }

  test('single codes are not duplicated; M codes are one per CommandKey; single codes lose a CommandKey', () => {
    const s = queue(['2 PERIODIC'], ['2 PERIODIC'], ['M Reboot', 'a'], ['M Reboot', 'b'], ['M Reboot', 'a'], ['4 VALUE CHANGE', 'junk']);
    assert.deepEqual(codes(s), ['2 PERIODIC', '1 BOOT', 'M Reboot:a', 'M Reboot:b', '4 VALUE CHANGE']);
  });

  test('partner codes are queued with their M code (7 with transfers, 3 with M ScheduleInform, 1 with M Reboot, 11 with M ChangeDUState)', () => {
    assert.deepEqual(codes(queue(['M Download', 'd'])), ['7 TRANSFER COMPLETE', 'M Download:d']);
    assert.deepEqual(codes(queue(['M Upload', 'u'], ['M ScheduleDownload', 's'])), ['7 TRANSFER COMPLETE', 'M Upload:u', 'M ScheduleDownload:s']);
    assert.deepEqual(codes(queue(['M ScheduleInform', 'x'])), ['3 SCHEDULED', 'M ScheduleInform:x']);
    assert.deepEqual(codes(queue(['M ChangeDUState', 'c'])), ['11 DU STATE CHANGE COMPLETE', 'M ChangeDUState:c']);
  });

  test('eventsForInform: oldest first, at most 64', () => {
    let s = queue(['1 BOOT']);
    for (let i = 0; i < 70; i++) s = addEvent(s, 'M ScheduleInform', `k${i}`);
    const ev = eventsForInform(s);
    assert.equal(ev.length, 64);
    assert.deepEqual(ev.slice(0, 3).map((e) => e.eventCode), ['1 BOOT', '3 SCHEDULED', 'M ScheduleInform']);
    assert.equal(ev[63].commandKey, 'k61');
    // the InformResponse delivers those 64; the 8 left go in the next Inform
    const after = onInformAcknowledged(s, ev);
    assert.deepEqual(informCodes(after), ['M ScheduleInform:k62', 'M ScheduleInform:k63', 'M ScheduleInform:k64', 'M ScheduleInform:k65', 'M ScheduleInform:k66', 'M ScheduleInform:k67', 'M ScheduleInform:k68', 'M ScheduleInform:k69']);
  });

  test('eventsForInform folds duplicates read from a hand-edited file, and the ack removes both', () => {
    const s = parseEventQueue([
      { code: '2 PERIODIC', commandKey: '' },
      { code: '2 PERIODIC', commandKey: '' },
      { code: 'M Reboot', commandKey: 'a' },
      { code: 'M Reboot', commandKey: 'a' },
    ]);
    const ev = eventsForInform(s);
    assert.deepEqual(informCodes(s), ['2 PERIODIC', 'M Reboot:a']);
    assert.deepEqual(onInformAcknowledged(s, ev), []);
  });

  test('an event raised again during the session survives the InformResponse', () => {
    let s = queue(['6 CONNECTION REQUEST'], ['4 VALUE CHANGE']);
    const sent = eventsForInform(s);
    s = addEvent(s, '6 CONNECTION REQUEST'); // a second connection request arrives mid-session
    s = addEvent(s, '2 PERIODIC'); // and the periodic timer fires
    s = onInformAcknowledged(s, sent);
    assert.deepEqual(codes(s), ['6 CONNECTION REQUEST', '2 PERIODIC']);
  });

  test('transfer events stay after the InformResponse until their TransferCompleteResponse', () => {
    let s = queue(['1 BOOT'], ['M Download', 'a'], ['M Upload', 'b']);
    s = onInformAcknowledged(s, eventsForInform(s));
    assert.deepEqual(codes(s), ['7 TRANSFER COMPLETE', 'M Download:a', 'M Upload:b']);
    s = onTransferCompleteAcknowledged(s, 'a');
    assert.deepEqual(codes(s), ['7 TRANSFER COMPLETE', 'M Upload:b'], '7 stays while a transfer event is left');
    s = onTransferCompleteAcknowledged(s, 'b');
    assert.deepEqual(codes(s), []);
  });

  test('a TransferComplete still pending under the same or another key keeps the events', () => {
    let s = queue(['M Download', '']);
    s = onTransferCompleteAcknowledged(s, '', ['']);
    assert.deepEqual(codes(s), ['7 TRANSFER COMPLETE', 'M Download']);
    s = queue(['M Download', 'a']);
    s = onTransferCompleteAcknowledged(s, 'a', ['z']);
    assert.deepEqual(codes(s), ['7 TRANSFER COMPLETE'], '7 stays while TransferCompletes are pending');
    s = onTransferCompleteAcknowledged(s, 'z');
    assert.deepEqual(codes(s), []);
  });

  test('removeEvent removes one code (by key or all keys)', () => {
    const s = queue(['10 AUTONOMOUS TRANSFER COMPLETE'], ['M X_ACME_Foo', 'a'], ['M X_ACME_Foo', 'b']);
    assert.deepEqual(codes(removeEvent(s, '10 AUTONOMOUS TRANSFER COMPLETE')), ['M X_ACME_Foo:a', 'M X_ACME_Foo:b']);
    assert.deepEqual(codes(removeEvent(s, 'M X_ACME_Foo', 'a')), ['10 AUTONOMOUS TRANSFER COMPLETE', 'M X_ACME_Foo:b']);
    assert.deepEqual(codes(removeEvent(s, 'M X_ACME_Foo')), ['10 AUTONOMOUS TRANSFER COMPLETE']);
  });

  test('onBoot: drops what does not survive, queues a fresh 1 BOOT and M Reboot with the key', () => {
    let s = queue(['0 BOOTSTRAP'], ['1 BOOT'], ['2 PERIODIC'], ['6 CONNECTION REQUEST'], ['M Download', 'd'], ['M Reboot', 'old']);
    s = onBoot(s, { rebootCommandKey: 'rb-17' });
    assert.deepEqual(codes(s), ['0 BOOTSTRAP', '7 TRANSFER COMPLETE', 'M Download:d', 'M Reboot:old', '1 BOOT', 'M Reboot:rb-17']);
    assert.deepEqual(codes(onBoot(emptyEventQueue())), ['1 BOOT']);
    assert.deepEqual(codes(onBoot(emptyEventQueue(), { rebootCommandKey: '' })), ['1 BOOT', 'M Reboot'], 'GenieACS reboots with an empty key');
  });

  test('onBootstrap: forgets everything queued for the old ACS; keeps an unreported 1 BOOT', () => {
    const s = queue(['1 BOOT'], ['M Reboot', 'r'], ['M Download', 'd'], ['3 SCHEDULED'], ['4 VALUE CHANGE']);
    assert.deepEqual(codes(onBootstrap(s)), ['0 BOOTSTRAP', '1 BOOT']);
    assert.deepEqual(codes(onBootstrap(queue(['2 PERIODIC']))), ['0 BOOTSTRAP']);
    assert.deepEqual(codes(onBootstrap(onBootstrap(emptyEventQueue()))), ['0 BOOTSTRAP']);
  });

  test('sequence numbers keep growing across bootstrap (an Inform in flight cannot remove new events)', () => {
    let s = queue(['0 BOOTSTRAP'], ['2 PERIODIC']);
    const sent = eventsForInform(s);
    s = onBootstrap(s);
    s = onInformAcknowledged(s, sent);
    assert.deepEqual(codes(s), ['0 BOOTSTRAP']);
  });

  test('addEvent refuses what is not an event code', () => {
    for (const bad of ['', 'BOOT', '1', 'M ', 'X 00AABB', 'M Reboot extra', 'x'.repeat(65), '1 ' + 'B'.repeat(63)]) {
      assert.throws(() => addEvent(emptyEventQueue(), bad), RangeError, bad);
    }
  });

  test('the state is plain JSON and parseEventQueue reads it back (and the old array form)', () => {
    const s = queue(['1 BOOT'], ['M Download', 'd']);
    assert.deepEqual(parseEventQueue(JSON.parse(JSON.stringify(s))), s);
    const plain = parseEventQueue([{ code: '1 BOOT', commandKey: '' }, { code: 'M Reboot', commandKey: 'k', seq: 'x' }]);
    assert.deepEqual(plain, [
      { code: '1 BOOT', commandKey: '' },
      { code: 'M Reboot', commandKey: 'k' },
    ]);
    assert.deepEqual(codes(parseEventQueue({ events: [{ code: '2 PERIODIC' }] })), ['2 PERIODIC']);
    assert.throws(() => parseEventQueue([{ code: 7 }]), /bad event entry/);
    assert.throws(() => parseEventQueue([{ code: 'BOOT' }]), /bad event entry/);
    assert.throws(() => parseEventQueue({ nope: true }), /must be an array/);
    assert.throws(() => parseEventQueue(null), /must be an array/);
  });

  test('entries without seq (written by older code) are delivered by the next InformResponse', () => {
    let s: EventQueueState = [
      { code: '1 BOOT', commandKey: '' },
      { code: 'M Reboot', commandKey: 'k' },
      { code: '4 VALUE CHANGE', commandKey: '' },
    ];
    const sent = eventsForInform(s);
    s = addEvent(s, '4 VALUE CHANGE'); // raised again mid-session
    s = addEvent(s, { code: 'M ScheduleInform', commandKey: 'k2' }); // object form, as the daemon writes it
    assert.deepEqual(codes(onInformAcknowledged(s, sent)), ['4 VALUE CHANGE', '3 SCHEDULED', 'M ScheduleInform:k2']);
  });
});
