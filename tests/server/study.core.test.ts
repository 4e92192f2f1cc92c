import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/battle/timeline.js';
import { aggregate, mean, sampleOf } from '../../server/study/core.js';

// The study core shared by the CLI and the study worker: outcomes -> per-run samples -> distribution.

const outcome = (winner: string | null, blueShips: number, held: boolean, facts: string[] = []): Outcome => ({
  winner,
  summary: '',
  losses: { blue: { ships: blueShips, stations: 0 }, red: { ships: 3, stations: 1 } },
  facts,
  objectives: { hold: { label: 'Hold the line', status: held ? 'complete' : 'failed' }, mines: { label: 'Mines', status: 'pending' } },
});

describe('study core', () => {
  it('keeps run order in losses and counts winners, objectives and facts', () => {
    const s = aggregate([outcome('blue', 1, true, ['x', 'x']), outcome(null, 5, false), outcome('blue', 2, true, ['x'])].map(sampleOf));
    expect(s.winners).toEqual({ blue: 2, none: 1 });
    expect(s.losses).toEqual({ blue: { ships: [1, 5, 2], stations: [0, 0, 0] }, red: { ships: [3, 3, 3], stations: [1, 1, 1] } });
    expect(s.objectives).toEqual([
      { id: 'hold', label: 'Hold the line', complete: 2, failed: 1 },
      { id: 'mines', label: 'Mines', complete: 0, failed: 0 },
    ]);
    expect(s.facts).toEqual({ x: 2 }); // a fact counts once per run
    expect(mean(s.losses.blue.ships)).toBeCloseTo(8 / 3);
    expect(aggregate([])).toEqual({ winners: {}, losses: {}, objectives: [], facts: {} });
  });
});
