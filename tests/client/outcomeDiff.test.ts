import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import type { Outcome } from '../../shared/battle/timeline.js';
import { describeEvent } from '../../client/src/compare/describe.js';
import { COMPILING, firstDifference, outcomeDiff, outcomeRows } from '../../client/src/compare/outcomeDiff.js';
import { volleyOf } from '../../shared/battle/volley.js';
import { buildFixtureTimeline, fixtureInfo } from '../server/fixtures/timeline.js';

// The compare view's outcome diff: rows per winner, losses, objectives and duration, and the first
// consequence where two branches part (choices themselves are skipped).

const tl = buildFixtureTimeline();
const outcome = (winner: string | null, blueShips: number, status: 'complete' | 'failed'): Outcome => ({
  winner,
  summary: '',
  facts: [],
  losses: { blue: { ships: blueShips, stations: 0 } },
  objectives: { hold: { label: 'Hold the line', status } },
});

describe('outcome diff', () => {
  it('lists what differs and what is the same', () => {
    const battle = fixtureInfo();
    const d = outcomeDiff(
      battle,
      { outcome: outcome('blue', 0, 'complete'), events: tl.events, durationMs: 60_000 },
      { outcome: outcome('red', 1, 'failed'), events: tl.events, durationMs: 42_000 },
    );
    const row = (label: string) => d.rows.find((r) => r.label.includes(label));
    expect(row('Winner')).toMatchObject({ same: false });
    expect(row('losses')).toMatchObject({ left: '0 ships', right: '1 ship', same: false });
    expect(row('Objective: Hold the line')).toMatchObject({ left: 'reached', right: 'not reached (failed)' });
    expect(row('Duration')).toMatchObject({ left: '60 s', right: '42 s', same: false });
    expect(d.first).toBeNull(); // same events
  });

  it('says "compiling…" for a side still compiling, not its placeholder outcome, and how far it has compiled', () => {
    const battle = fixtureInfo();
    const placeholder: Outcome = { winner: null, summary: '', facts: [], losses: {}, objectives: {} };
    const rows = outcomeRows(
      battle,
      { outcome: outcome('blue', 3, 'complete'), durationMs: 60_000 },
      { outcome: placeholder, durationMs: 21_400, compiling: true },
    );
    const row = (label: string) => rows.find((r) => r.label.includes(label));
    expect(row('Winner')).toMatchObject({ right: COMPILING, pending: true, same: false });
    expect(row('Winner')?.left).not.toBe(COMPILING);
    expect(row('losses')).toMatchObject({ left: '3 ships', right: COMPILING, pending: true });
    expect(row('Objective: Hold the line')).toMatchObject({ left: 'reached', right: COMPILING });
    expect(row('Duration')).toMatchObject({ left: '60 s', right: '21 s so far (compiling)', pending: true });
    // Complete on both sides: no row pending.
    const done = outcomeRows(
      battle,
      { outcome: outcome('blue', 3, 'complete'), durationMs: 60_000 },
      { outcome: outcome('red', 1, 'failed'), durationMs: 42_000 },
    );
    expect(done.some((r) => r.pending)).toBe(false);
  });

  it('finds the first differing event after the shared prefix, skipping the choices themselves', () => {
    const a = tl.events.slice(0, 30);
    const choice = (seq: number, optionId: string): BattleEvent =>
      ({ seq, t: a[20].t, type: 'decision:made', decisionId: 'd', optionId }) as BattleEvent;
    const left = [...a.slice(0, 20), choice(20, 'x'), ...a.slice(21)];
    const right = [...a.slice(0, 20), choice(20, 'y'), ...a.slice(21, 25), { ...a[25], t: a[25].t + 1 }, ...a.slice(26)];
    const first = firstDifference(null, left, right);
    expect(first?.index).toBe(25);
    expect(firstDifference(null, left, right, 26)).toBeNull();
    expect(firstDifference(null, a, a.slice(0, 28))?.right).toContain('ended');
  });
});

describe('first difference from segments (the compare view)', () => {
  it('finds where two branches part from the segments around the fork, by seq', async () => {
    const { SegmentWorld } = await import('../../client/lib/segmentWorld.js');
    const { firstDifferenceFromSegments } = await import('../../client/src/compare/segmentDiff.js');
    const { MemorySegmentSource } = await import('./segmentSource.js');
    const a = { ...tl, keyframes: [] };
    // Branch b: the same battle until event 40 (t ~ 23 s), then one shot lands 1 ms later.
    const cut = a.events.findIndex((e) => e.t > 23_000 && e.type === 'unit:fire');
    const b = { ...a, branchId: 'other', events: a.events.map((e, i) => (i === cut ? { ...e, t: e.t + 1 } : e)) };
    const wa = new SegmentWorld(new MemorySegmentSource(a), a.battleId, a.branchId);
    const wb = new SegmentWorld(new MemorySegmentSource(b), b.battleId, b.branchId);
    const forkMs = a.events[cut - 3].t;
    const f = await firstDifferenceFromSegments(fixtureInfo(), wa, wb, forkMs, cut - 3);
    expect(f?.index).toBe(cut);
    expect(f?.t).toBe(a.events[cut].t);
    expect(f?.left).not.toMatch(/^(alpha|bravo)\b/); // unit ids are named from the segment's start state
    // Identical branches: no difference in the pairs looked at.
    const same = new SegmentWorld(new MemorySegmentSource(a), a.battleId, a.branchId);
    expect(await firstDifferenceFromSegments(fixtureInfo(), wa, same, forkMs, cut - 3)).toBeNull();
  });
});

describe('describeEvent', () => {
  it('names a volley by its shots, and a one-shot volley like a unit:fire', () => {
    const names = new Map([
      ['a', 'Alpha'],
      ['b', 'Bravo'],
    ]);
    const fire = (from: string, to: string, hit: boolean) =>
      ({ type: 'unit:fire', from, to, weapon: 'phaser', hit, shields: 0, hull: 10 }) as const;
    const one: BattleEvent = { seq: 1, t: 0, ...volleyOf([fire('a', 'b', false)]) };
    expect(describeEvent(null, one, names)).toBe('Alpha fires phaser at Bravo (miss)');
    expect(describeEvent(null, { seq: 1, t: 0, ...fire('a', 'b', false) }, names)).toBe('Alpha fires phaser at Bravo (miss)');
    const many: BattleEvent = { seq: 2, t: 0, ...volleyOf([fire('a', 'b', true), fire('a', 'b', false), fire('b', 'a', true)]) };
    expect(describeEvent(null, many, names)).toBe('volley: 3 shots from 2 units at 2 targets, 2 hits');
  });
});
