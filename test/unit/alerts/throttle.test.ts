import { describe, expect, it } from 'vitest';
import { alertEvent, type AlertEvent } from '../../../src/observe/alerts/event.js';
import { emptyLedger, prune, type AlertState } from '../../../src/observe/alerts/state.js';
import { planChannel, recordSent, type ThrottleSettings } from '../../../src/observe/alerts/throttle.js';

const HOUR = 3_600_000;
const settings: ThrottleSettings = { windowMs: HOUR, maxPerWindow: 5, groupAfter: 3 };
const t0 = new Date('2025-03-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const failure = (source: string, kind: AlertEvent['kind'] = 'run_failure'): AlertEvent =>
  alertEvent(
    {
      kind,
      severity: kind === 'recovery' ? 'info' : 'error',
      job: 'nightly',
      source,
      title: `${source} ${kind}`,
    },
    t0,
  );

/** Plan and pretend every message got through, as the alerter does. */
function sendAll(events: AlertEvent[], ledger = emptyLedger(), now = t0) {
  const plan = planChannel(events, ledger, settings, now, 'host1');
  for (const m of plan.messages) recordSent(ledger, m, now);
  return { plan, ledger };
}

describe('planChannel', () => {
  it('sends a few alerts one message each', () => {
    const { plan } = sendAll([failure('a'), failure('b')]);
    expect(plan.messages.map((m) => [m.grouped, m.title])).toEqual([
      [false, 'a run_failure'],
      [false, 'b run_failure'],
    ]);
  });

  it('groups a storm into one message listing the sources', () => {
    const sources = Array.from({ length: 30 }, (_, i) => `src_${i}`);
    const { plan, ledger } = sendAll(sources.map((s) => failure(s)));
    expect(plan.messages).toHaveLength(1);
    expect(plan.messages[0]).toMatchObject({ grouped: true, severity: 'error' });
    expect(plan.messages[0]!.title).toBe(
      '30 run_failure alerts: src_0, src_1, src_2, src_3, src_4, src_5 and 24 more',
    );
    expect(plan.messages[0]!.events).toHaveLength(30);
    expect(ledger.sent).toHaveLength(1);
  });

  it('holds back the same alert within the window and reports the repeats when it is next sent', () => {
    const { ledger } = sendAll([failure('a')]);
    const again = sendAll([failure('a'), failure('a')], ledger, at(10 * 60_000));
    expect(again.plan.messages).toEqual([]);
    expect(again.plan.throttled.map((t) => t.reason)).toEqual(['duplicate', 'duplicate']);
    expect(ledger.keys['run_failure|nightly|a']).toMatchObject({
      suppressed: 2,
      first_suppressed: at(10 * 60_000).toISOString(),
    });
    const later = sendAll([failure('a')], ledger, at(HOUR + 1));
    expect(later.plan.messages).toHaveLength(1);
    expect(later.plan.messages[0]!.repeats).toEqual({
      'run_failure|nightly|a': { count: 2, since: at(10 * 60_000).toISOString() },
    });
    expect(ledger.keys['run_failure|nightly|a']).toEqual({
      last_sent: at(HOUR + 1).toISOString(),
      suppressed: 0,
    });
  });

  it('lets a failure through again right after its recovery was sent', () => {
    const { ledger } = sendAll([failure('a')]);
    sendAll([failure('a', 'recovery')], ledger, at(60_000));
    const again = sendAll([failure('a')], ledger, at(120_000));
    expect(again.plan.messages).toHaveLength(1);
  });

  it('caps messages per window, counts what it held back, and says so in the next message', () => {
    const ledger = emptyLedger();
    for (let i = 0; i < 5; i++) sendAll([failure(`s${i}`)], ledger, at(i * 1000));
    const capped = sendAll([failure('x'), failure('y')], ledger, at(10_000));
    expect(capped.plan.messages).toEqual([]);
    expect(capped.plan.throttled.map((t) => t.reason)).toEqual(['rate_limit', 'rate_limit']);
    expect(ledger.rate_suppressed).toBe(2);
    const next = sendAll([failure('z')], ledger, at(HOUR + 5000));
    expect(next.plan.messages[0]!.rate_suppressed).toEqual({ count: 2, since: at(10_000).toISOString() });
    expect(ledger.rate_suppressed).toBe(0);
  });

  it('groups rather than exceed the remaining budget', () => {
    const ledger = emptyLedger();
    for (let i = 0; i < 4; i++) sendAll([failure(`s${i}`)], ledger, at(i));
    const { plan } = sendAll([failure('x'), failure('y')], ledger, at(10));
    expect(plan.messages.map((m) => m.events.length)).toEqual([2]);
  });
});

describe('prune', () => {
  it('forgets sends outside the window and keys with nothing pending', () => {
    const { ledger } = sendAll([failure('a'), failure('b')]);
    ledger.keys['run_failure|nightly|b']!.suppressed = 1;
    const state: AlertState = { version: 1, outcomes: {}, channels: { c: ledger } };
    const pruned = prune(state, HOUR, at(2 * HOUR)).channels.c!;
    expect(pruned.sent).toEqual([]);
    expect(Object.keys(pruned.keys)).toEqual(['run_failure|nightly|b']);
  });
});
