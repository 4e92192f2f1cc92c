import type { VoteState } from '../../shared/protocol/events.js';
import { escapeMd, fmtTime } from '../annotations/debrief.js';

// The debrief's "Group votes" section. Names are user text: escaped like annotation text.

export function votesMarkdown(votes: readonly VoteState[], decisionAtMs: (decisionId: string) => number | null): string[] {
  if (!votes.length) return [];
  const lines = ['## Group votes', ''];
  for (const v of votes) {
    const at = decisionAtMs(v.decisionId);
    const label = (id: string) => v.options.find((o) => o.optionId === id)?.label ?? id;
    const counts = v.tallies.map((t) => `${escapeMd(label(t.optionId))} ${t.count}`).join(', ');
    lines.push(`- ${at !== null ? `${fmtTime(at)} ` : ''}${escapeMd(v.title)} (opened by ${escapeMd(v.openedBy)}): ${counts}`);
    const r = v.result;
    if (!r) lines.push('  - still open');
    else {
      const value =
        r.value !== undefined
          ? ` (${r.value}${((o) => (o?.param ? ` ${escapeMd(o.param.unit)}` : ''))(v.options.find((o) => o.optionId === r.optionId))})`
          : '';
      const how = r.decidedBy === 'instructor' ? `a tie broken by ${escapeMd(r.closedBy)}` : `${r.votes} of ${r.total} ballots`;
      lines.push(
        `  - Result: ${escapeMd(label(r.optionId))}${value}, ${how}; what-if ${r.branchId}${r.switched ? ', the room switched to it' : ''}`,
      );
    }
  }
  lines.push('');
  return lines;
}
