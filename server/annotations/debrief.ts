import type { BattleEvent } from '../../shared/battle/events.js';
import { formatCount } from '../../shared/battle/forces.js';
import type { BattleInfo, SideForces, Timeline } from '../../shared/battle/timeline.js';
import type { Annotation } from '../../shared/protocol/events.js';
import { phaseIndexAt } from '../rooms/playback.js';
import { chatDebriefLines, type TogetherDebrief } from '../chat/debrief.js';

// Markdown debrief of a room: the battle, the branch, then each phase in order with its key events
// and the annotations pinned inside it. Annotation text is user input: it is escaped so it cannot
// inject headings, links or HTML into the rendered document.

export function fmtTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function escapeMd(text: string): string {
  // Inline markers only: every line we write starts with our own prefix, so block syntax cannot trigger.
  return text.replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** Units with a proper name (not a generated "Prefix 12") or a commander are worth naming in a debrief. */
function isNamed(u: { name: string; commander?: string; kind: string }): boolean {
  return !!u.commander || u.kind === 'station' || !/\s\d+$/.test(u.name);
}

/** Events an instructor wants in a debrief; everything else (moves, shots) is noise at this level. */
export function keyEvents(events: readonly BattleEvent[], info?: Pick<BattleInfo, 'decisions'>): { t: number; text: string }[] {
  const units = new Map<string, { name: string; commander?: string; kind: string }>();
  const out: { t: number; text: string }[] = [];
  for (const ev of events) {
    switch (ev.type) {
      case 'unit:spawn':
        units.set(ev.unit.id, ev.unit);
        break;
      case 'phase:start':
        if (ev.caption) out.push({ t: ev.t, text: ev.caption });
        break;
      case 'caption':
        out.push({ t: ev.t, text: ev.text });
        break;
      case 'decision:point':
        out.push({ t: ev.t, text: `Decision point: ${ev.title}` });
        break;
      case 'decision:made': {
        const d = info?.decisions.find((x) => x.id === ev.decisionId);
        const o = d?.options.find((x) => x.id === ev.optionId);
        const value = ev.value !== undefined ? ` (${ev.value}${o?.param ? ` ${o.param.unit}` : ''})` : '';
        out.push({
          t: ev.t,
          text: `Decision: ${d?.title ?? ev.decisionId}: ${o?.label ?? ev.optionId}${value}${ev.historical ? ' (historical)' : ' (what-if)'}`,
        });
        break;
      }
      case 'unit:status': {
        const u = units.get(ev.id);
        if (ev.status === 'destroyed' && u && isNamed(u)) out.push({ t: ev.t, text: `${u.name} destroyed` });
        break;
      }
      case 'objective':
        if (ev.objective.status !== 'pending') out.push({ t: ev.t, text: `Objective ${ev.objective.status}: ${ev.objective.label}` });
        break;
      case 'battle:end':
        out.push({ t: ev.t, text: `Battle ends: ${ev.summary}` });
        break;
    }
  }
  return out;
}

/** One side's forces in words: everything that took part, then who was there at the start and who changed sides. */
export function forcesText(name: string, f: SideForces): string {
  const count = (c: { ships: number; stations: number }) =>
    [c.ships ? `${formatCount(c.ships)} ships` : '', c.stations ? `${formatCount(c.stations)} stations and platforms` : '']
      .filter(Boolean)
      .join(' and ') || 'none';
  const notes = [`${count(f.atStart)} at the start`];
  if (f.joined.ships + f.joined.stations) notes.push(`${count(f.joined)} came over from the other side`);
  if (f.defected.ships + f.defected.stations) notes.push(`${count(f.defected)} went over to the other side`);
  return `${name}: ${count(f)} (${notes.join('; ')})`;
}

/**
 * `extra`: further sections (group votes, what-if statistics) appended after the phases; `together`: the chat and
 * reactions, listed inside each phase.
 */
export function debriefMarkdown(
  info: BattleInfo,
  tl: Timeline,
  annotations: readonly Annotation[],
  roomId: string,
  extra: readonly string[] = [],
  together?: TogetherDebrief,
): string {
  const lines: string[] = [];
  const branch = tl.parentBranchId === null && tl.decisions.length === 0 ? 'history' : `what-if ${tl.branchId}`;
  lines.push(`# Debrief: ${escapeMd(info.title)}`, '');
  lines.push(`- Room: ${roomId}`, `- Branch: ${branch}`);
  for (const d of tl.decisions) lines.push(`- Decision: ${d.decisionId} = ${d.optionId}${d.value !== undefined ? ` (${d.value})` : ''}`);
  lines.push(`- Duration: ${fmtTime(tl.durationMs)}`);
  for (const s of info.sides) {
    const f = tl.forces[s.id];
    if (f) lines.push(`- Forces: ${escapeMd(forcesText(s.name, f))}`);
  }
  lines.push(`- Outcome: ${escapeMd(tl.outcome.summary)}`, '');

  const mine = annotations.filter((a) => a.branchId === tl.branchId);
  const events = keyEvents(tl.events, info);
  const bucket = <T extends { t: number }>(items: T[], i: number) => items.filter((x) => phaseIndexAt(tl.phases, x.t) === i);
  const notes = mine.map((a) => ({ ...a, t: a.positionMs }));

  const section = (title: string, i: number) => {
    const ev = bucket(events, i);
    const an = bucket(notes, i);
    const chat = chatDebriefLines(together, tl.branchId, (t) => phaseIndexAt(tl.phases, t) === i, fmtTime, escapeMd);
    if (i < 0 && ev.length === 0 && an.length === 0 && chat.length === 0) return;
    lines.push(`## ${title}`, '');
    if (ev.length) {
      lines.push('Key events:', '');
      for (const e of ev) lines.push(`- ${fmtTime(e.t)} ${escapeMd(e.text)}`);
      lines.push('');
    }
    if (an.length) {
      lines.push('Annotations:', '');
      for (const a of an) lines.push(`- ${fmtTime(a.positionMs)} **${escapeMd(a.author)}**${a.stop ? ' (stop)' : ''}: ${escapeMd(a.text)}`);
      lines.push('');
    }
    lines.push(...chat);
  };
  section('Before the first phase', -1);
  tl.phases.forEach((p, i) => {
    section(`${i + 1}. ${escapeMd(p.title)} (${fmtTime(p.startMs)}–${fmtTime(p.endMs)}${p.label ? `, ${escapeMd(p.label)}` : ''})`, i);
  });
  lines.push(...extra);
  return lines.join('\n');
}
