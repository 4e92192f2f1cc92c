import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import type { Outcome } from '../../shared/battle/timeline.js';
import { firstDifference, outcomeDiff } from '../../client/src/compare/outcomeDiff.js';
import { buildFixtureTimeline, fixtureInfo } from '../server/fixtures/timeline.js';

// The compare view's outcome diff: rows per winner, losses, objectives and duration, and the first
// consequence where two branches part (choices themselves are skipped).

const tl = buildFixtureTimeline();
const outcome = (winner: string | null, blueShips: number, status: 'complete' | 'failed'): Outcome => ({
  winner, summary: '', facts: [], losses: { blue: { ships: blueShips, stations: 0 } }, objectives: { hold: { label: 'Hold the line', status } },
});

describe('outcome diff', () => {
  it('lists what differs and what is the same', () => {
    const battle = fixtureInfo();
    const d = outcomeDiff(battle, { outcome: outcome('blue', 0, 'complete'), events: tl.events, durationMs: 60_000 }, { outcome: outcome('red', 1, 'failed'), events: tl.events, durationMs: 42_000 });
    const row = (label: string) => d.rows.find((r) => r.label.includes(label));
    expect(row('Winner')).toMatchObject({ same: false });
    expect(row('losses')).toMatchObject({ left: '0 ships', right: '1 ship', same: false });
    expect(row('Objective: Hold the line')).toMatchObject({ left: 'reached', right: 'not reached (failed)' });
    expect(row('Duration')).toMatchObject({ left: '60 s', right: '42 s', same: false });
    expect(d.first).toBeNull(); // same events
  });

  it('finds the first differing event after the shared prefix, skipping the choices themselves', () => {
    const a = tl.events.slice(0, 30);
    const choice = (seq: number, optionId: string): BattleEvent => ({ seq, t: a[20].t, type: 'decision:made', decisionId: 'd', optionId }) as BattleEvent;
    const left = [...a.slice(0, 20), choice(20, 'x'), ...a.slice(21)];
    const right = [...a.slice(0, 20), choice(20, 'y'), ...a.slice(21, 25), { ...a[25], t: a[25].t + 1 }, ...a.slice(26)];
    const first = firstDifference(null, left, right);
    expect(first?.index).toBe(25);
    expect(firstDifference(null, left, right, 26)).toBeNull();
    expect(firstDifference(null, a, a.slice(0, 28))?.right).toContain('ended');
  });
});
