import { type ChatMessage, REACTION_EMOJI, type ReactionCount } from '../../shared/protocol/events.js';

// The chat's part of a Markdown debrief: per phase, the reactions pinned inside it (totals and the loudest
// moment) and the messages sent while the room was there. Text is escaped by the caller's escapeMd.

export interface TogetherDebrief {
  messages: readonly ChatMessage[];
  reactions: readonly ReactionCount[];
}

export function chatDebriefLines(
  d: TogetherDebrief | undefined,
  branchId: string,
  inPhase: (t: number) => boolean,
  fmtTime: (ms: number) => string,
  escapeMd: (s: string) => string,
): string[] {
  if (!d) return [];
  const lines: string[] = [];
  const reactions = d.reactions.filter((r) => r.branchId === branchId && inPhase(r.positionMs));
  if (reactions.length) {
    const bySymbol = new Map<string, number>();
    const byMoment = new Map<number, number>();
    for (const r of reactions) {
      bySymbol.set(r.symbol, (bySymbol.get(r.symbol) ?? 0) + r.count);
      byMoment.set(r.positionMs, (byMoment.get(r.positionMs) ?? 0) + r.count);
    }
    const totals = [...bySymbol].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${REACTION_EMOJI[s as keyof typeof REACTION_EMOJI]} ${n}`);
    const [peakAt, peak] = [...byMoment].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    lines.push(`Reactions: ${totals.join(', ')} (loudest at ${fmtTime(peakAt)}: ${peak})`, '');
  }
  const messages = d.messages.filter((m) => m.branchId === branchId && inPhase(m.positionMs));
  if (messages.length) {
    lines.push('Chat:', '');
    for (const m of messages) lines.push(`- ${fmtTime(m.positionMs)} **${escapeMd(m.author)}** (${m.role}): ${escapeMd(m.text)}`);
    lines.push('');
  }
  return lines;
}
