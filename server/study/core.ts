import type { Outcome } from '../../shared/battle/timeline.js';
import type { StudyStats } from '../../shared/protocol/events.js';

// The pure part of a what-if study, shared by `npm run battle -- study` (server/cli/battle.ts) and the
// server's study worker: one run's outcome -> a sample; samples -> the distribution.

export interface RunSample {
  winner: string;
  losses: Record<string, { ships: number; stations: number }>;
  objectives: Record<string, { label: string; status: 'pending' | 'complete' | 'failed' }>;
  facts: string[];
}

export function sampleOf(outcome: Outcome): RunSample {
  return {
    winner: outcome.winner ?? 'none',
    losses: Object.fromEntries(Object.entries(outcome.losses).map(([side, l]) => [side, { ships: l.ships, stations: l.stations }])),
    objectives: Object.fromEntries(Object.entries(outcome.objectives).map(([id, o]) => [id, { label: o.label, status: o.status }])),
    facts: [...new Set(outcome.facts)],
  };
}

export function emptyStats(): StudyStats {
  return { winners: {}, losses: {}, objectives: [], facts: {} };
}

/** The distribution over runs, in run order (so losses[side].ships[i] is run i). */
export function aggregate(samples: readonly RunSample[]): StudyStats {
  const s = emptyStats();
  const objectives = new Map<string, StudyStats['objectives'][number]>();
  const sides = [...new Set(samples.flatMap((x) => Object.keys(x.losses)))].sort();
  for (const side of sides) s.losses[side] = { ships: [], stations: [] };
  for (const x of samples) {
    s.winners[x.winner] = (s.winners[x.winner] ?? 0) + 1;
    for (const side of sides) {
      s.losses[side].ships.push(x.losses[side]?.ships ?? 0);
      s.losses[side].stations.push(x.losses[side]?.stations ?? 0);
    }
    for (const [id, o] of Object.entries(x.objectives)) {
      let acc = objectives.get(id);
      if (!acc) objectives.set(id, (acc = { id, label: o.label, complete: 0, failed: 0 }));
      if (o.status === 'complete') acc.complete++;
      if (o.status === 'failed') acc.failed++;
    }
    for (const f of x.facts) s.facts[f] = (s.facts[f] ?? 0) + 1;
  }
  s.objectives = [...objectives.values()].sort((a, b) => a.label.localeCompare(b.label));
  return s;
}

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
