import type { StudyResultMsg, StudyStats } from '../../shared/protocol/events.js';
import { escapeMd } from '../annotations/debrief.js';
import { mean } from './core.js';

// The debrief's "What-if statistics" section: each finished study of the branch against history.

function summary(s: StudyStats, runs: number): string {
  const winners = Object.entries(s.winners)
    .sort((a, b) => b[1] - a[1])
    .map(([w, n]) => `${escapeMd(w)} ${Math.round((100 * n) / runs)}%`)
    .join(', ');
  const losses = Object.entries(s.losses)
    .map(([side, l]) => `${escapeMd(side)} ${mean(l.ships).toFixed(1)} ships`)
    .join(', ');
  return `winners ${winners || 'none'}; mean losses ${losses || 'none'}`;
}

export function studiesMarkdown(results: readonly StudyResultMsg[], branchId: string): string[] {
  const mine = results.filter((r) => r.branchId === branchId && r.status === 'done');
  if (!mine.length) return [];
  const lines = ['## What-if statistics', ''];
  for (const r of mine) {
    lines.push(`- ${r.runs} seeds from ${r.seed} (asked by ${escapeMd(r.requestedBy)})`);
    lines.push(`  - This branch: ${summary(r, r.runs)}`);
    lines.push(`  - History: ${summary(r.history, r.runs)}`);
    for (const o of r.objectives) {
      const h = r.history.objectives.find((x) => x.id === o.id);
      lines.push(`  - ${escapeMd(o.label)}: complete in ${o.complete}/${r.runs} (history ${h?.complete ?? 0}/${r.runs})`);
    }
  }
  lines.push('');
  return lines;
}
