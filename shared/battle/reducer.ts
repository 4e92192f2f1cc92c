import type { BattleEvent } from './events.js';
import type { WorldState } from './state.js';
import type { Unit } from './types.js';

// The pure reducer shared by server (keyframes) and client (folding streamed events).
// It never mutates its input: changed units and maps are copied, unchanged ones are shared,
// so folding one event costs O(changed units), not O(world).

function patchUnit(state: WorldState, id: string, patch: Partial<Unit>): Record<string, Unit> {
  const unit = state.units[id];
  if (!unit) return state.units;
  return { ...state.units, [id]: { ...unit, ...patch } };
}

export function applyEvent(state: WorldState, ev: BattleEvent): WorldState {
  const base = { ...state, t: ev.t, nextSeq: ev.seq + 1 };
  switch (ev.type) {
    case 'unit:spawn':
      return { ...base, units: { ...state.units, [ev.unit.id]: ev.unit } };
    case 'unit:move':
      return { ...base, units: patchUnit(state, ev.id, { pos: ev.pos, vel: ev.vel, heading: ev.heading, t0: ev.t }) };
    case 'unit:fire': {
      const target = state.units[ev.to];
      if (!target) return base;
      const patch: Partial<Unit> = { shields: ev.shields, hull: ev.hull };
      if (ev.section && target.sections) {
        const sec = ev.section;
        patch.sections = target.sections.map((s) => (s.id === sec.id ? { ...s, shields: sec.shields } : s));
      }
      return { ...base, units: patchUnit(state, ev.to, patch) };
    }
    case 'unit:status': {
      const unit = state.units[ev.id];
      if (!unit) return base;
      // A unit that stops (destroyed, disabled, surrendered) also stops moving: freeze it where it is.
      const moving = ev.status === 'active' || ev.status === 'cloaked';
      const patch: Partial<Unit> = { status: ev.status };
      if (!moving) {
        const dt = (ev.t - unit.t0) / 1000;
        patch.pos = { x: unit.pos.x + unit.vel.x * dt, y: unit.pos.y + unit.vel.y * dt };
        patch.vel = { x: 0, y: 0 };
        patch.t0 = ev.t;
      }
      return { ...base, units: patchUnit(state, ev.id, patch) };
    }
    case 'unit:side': {
      const units = { ...state.units };
      for (const id of ev.ids) {
        const u = units[id];
        if (u) units[id] = { ...u, side: ev.side };
      }
      return { ...base, units };
    }
    case 'unit:sections':
      return { ...base, units: patchUnit(state, ev.id, { sections: ev.sections }) };
    case 'phase:start':
      return { ...base, phaseId: ev.phaseId, phaseTitle: ev.title, label: ev.label, caption: ev.caption };
    case 'phase:end':
      return base;
    case 'caption':
      return { ...base, caption: ev.text };
    case 'objective':
      return { ...base, objectives: { ...state.objectives, [ev.objective.id]: ev.objective } };
    case 'field':
      return { ...base, fields: { ...state.fields, [ev.field.id]: ev.field } };
    case 'battle:end':
      return { ...base, ended: { winner: ev.winner, summary: ev.summary } };
    case 'decision:point':
    case 'decision:made':
    case 'effect':
      return base;
  }
}

/** Fold a run of events onto a state (e.g. a keyframe plus the events after it). */
export function applyEvents(state: WorldState, events: readonly BattleEvent[]): WorldState {
  let s = state;
  for (const ev of events) s = applyEvent(s, ev);
  return s;
}
