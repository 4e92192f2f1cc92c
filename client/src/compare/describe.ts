import type { BattleEvent } from '../../../shared/battle/events.js';
import type { BattleInfo, Outcome } from '../../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../../shared/battle/types.js';
import { volleyShot } from '../../../shared/battle/volley.js';
import { formatMs } from '../dom.js';

// Words for branches: a choice, an outcome, an event. Used by the branch panel and the compare view.

export function sideName(battle: BattleInfo | null, side: string | null): string {
  if (side === null) return 'no winner';
  return battle?.sides.find((s) => s.id === side)?.name ?? side;
}

export function describeChoice(battle: BattleInfo | null, c: DecisionChoice): string {
  const d = battle?.decisions.find((x) => x.id === c.decisionId);
  const o = d?.options.find((x) => x.id === c.optionId);
  const value = c.value === undefined ? '' : ` (${c.value}${o?.param?.unit ? ` ${o.param.unit}` : ''})`;
  // Titles are questions ("… after the Defiant?"), so an arrow reads better than a colon.
  return `${d?.title ?? c.decisionId} → ${o?.label ?? c.optionId}${value}`;
}

export function lossesText(battle: BattleInfo | null, outcome: Outcome): string {
  const parts: string[] = [];
  for (const [side, l] of Object.entries(outcome.losses)) {
    const bits = [`${l.ships} ship${l.ships === 1 ? '' : 's'}`];
    if (l.stations) bits.push(`${l.stations} station${l.stations === 1 ? '' : 's'}`);
    parts.push(`${sideName(battle, side)} ${bits.join(', ')}`);
  }
  return parts.join(' · ');
}

export function outcomeText(battle: BattleInfo | null, outcome: Outcome): string {
  const w = outcome.winner === null ? 'No winner' : `${sideName(battle, outcome.winner)} win`;
  const losses = lossesText(battle, outcome);
  return losses ? `${w} · lost: ${losses}` : w;
}

/** Unit names by id, from the spawn events (the first name wins). */
export function unitNames(events: readonly BattleEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of events) if (e.type === 'unit:spawn' && !names.has(e.unit.id)) names.set(e.unit.id, e.unit.name);
  return names;
}

export function describeEvent(battle: BattleInfo | null, ev: BattleEvent | undefined, names: Map<string, string>): string {
  if (!ev) return 'nothing (the branch has ended)';
  const n = (id: string) => names.get(id) ?? id;
  switch (ev.type) {
    case 'unit:spawn':
      return `${ev.unit.name} appears`;
    case 'unit:move':
      return `${n(ev.id)} changes course`;
    case 'unit:fire':
      return `${n(ev.from)} fires ${ev.weapon} at ${n(ev.to)}${ev.hit ? '' : ' (miss)'}`;
    case 'unit:volley': {
      if (ev.from.length === 1) {
        const s = volleyShot(ev, 0);
        return `${n(s.from)} fires ${s.weapon} at ${n(s.to)}${s.hit ? '' : ' (miss)'}`;
      }
      const hits = ev.hit.reduce((a, h) => a + h, 0);
      const shooters = new Set(ev.from).size;
      return `volley: ${ev.from.length} shots from ${shooters} unit${shooters === 1 ? '' : 's'} at ${ev.targets.length} target${ev.targets.length === 1 ? '' : 's'}, ${hits} hit${hits === 1 ? '' : 's'}`;
    }
    case 'unit:status':
      return `${n(ev.id)} ${ev.status}${ev.reason ? ` (${ev.reason})` : ''}`;
    case 'unit:side':
      return `${ev.ids.length} unit${ev.ids.length === 1 ? '' : 's'} join ${sideName(battle, ev.side)}`;
    case 'unit:sections':
      return `${n(ev.id)} shield sections change`;
    case 'phase:start':
      return `phase begins: ${ev.title}`;
    case 'phase:end':
      return `phase ends: ${ev.phaseId}`;
    case 'caption':
      return ev.text;
    case 'decision:point':
      return `decision point: ${ev.title}`;
    case 'decision:made':
      return `decided: ${describeChoice(battle, ev)}${ev.historical ? ' (historical)' : ''}`;
    case 'objective':
      return `objective ${ev.objective.label}: ${ev.objective.status}`;
    case 'field':
      return `field ${ev.field.id} changes`;
    case 'effect':
      return ev.label ?? `${ev.kind}`;
    case 'battle:end':
      return `battle ends: ${ev.summary}`;
  }
}

export const at = (ms: number): string => formatMs(ms);
