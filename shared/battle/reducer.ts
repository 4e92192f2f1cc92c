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

/**
 * Fold a run of events onto a state (e.g. a keyframe plus the events after it).
 * Same result as applying `applyEvent` one by one, but a batch copies the unit map once instead of
 * once per event (a large battle has thousands of units: per-event copies made folding quadratic).
 * The input is still never mutated: units touched by the batch are copied once, then patched.
 */
export function applyEvents(state: WorldState, events: readonly BattleEvent[]): WorldState {
  if (events.length < 4) {
    let s = state;
    for (const ev of events) s = applyEvent(s, ev);
    return s;
  }
  const draft: WorldState = { ...state, units: { ...state.units }, objectives: { ...state.objectives }, fields: { ...state.fields } };
  const owned = new Set<string>();
  for (const ev of events) foldInto(draft, owned, ev);
  return draft;
}

/** A unit of the draft that may be written: copied from the input on first touch. */
function ownUnit(draft: WorldState, owned: Set<string>, id: string): Unit | undefined {
  const unit = draft.units[id];
  if (!unit) return undefined;
  if (owned.has(id)) return unit;
  const copy = { ...unit };
  draft.units[id] = copy;
  owned.add(id);
  return copy;
}

// Mirrors applyEvent case by case, writing into a draft whose maps (and owned units) are private copies.
function foldInto(draft: WorldState, owned: Set<string>, ev: BattleEvent): void {
  draft.t = ev.t;
  draft.nextSeq = ev.seq + 1;
  switch (ev.type) {
    case 'unit:spawn':
      draft.units[ev.unit.id] = ev.unit;
      owned.delete(ev.unit.id);
      return;
    case 'unit:move': {
      const u = ownUnit(draft, owned, ev.id);
      if (!u) return;
      u.pos = ev.pos;
      u.vel = ev.vel;
      u.heading = ev.heading;
      u.t0 = ev.t;
      return;
    }
    case 'unit:fire': {
      const target = draft.units[ev.to];
      if (!target) return;
      const u = ownUnit(draft, owned, ev.to) as Unit;
      u.shields = ev.shields;
      u.hull = ev.hull;
      if (ev.section && u.sections) {
        const sec = ev.section;
        u.sections = u.sections.map((s) => (s.id === sec.id ? { ...s, shields: sec.shields } : s));
      }
      return;
    }
    case 'unit:status': {
      const u = ownUnit(draft, owned, ev.id);
      if (!u) return;
      const moving = ev.status === 'active' || ev.status === 'cloaked';
      u.status = ev.status;
      if (!moving) {
        const dt = (ev.t - u.t0) / 1000;
        u.pos = { x: u.pos.x + u.vel.x * dt, y: u.pos.y + u.vel.y * dt };
        u.vel = { x: 0, y: 0 };
        u.t0 = ev.t;
      }
      return;
    }
    case 'unit:side':
      for (const id of ev.ids) {
        const u = ownUnit(draft, owned, id);
        if (u) u.side = ev.side;
      }
      return;
    case 'unit:sections': {
      const u = ownUnit(draft, owned, ev.id);
      if (u) u.sections = ev.sections;
      return;
    }
    case 'phase:start':
      draft.phaseId = ev.phaseId;
      draft.phaseTitle = ev.title;
      draft.label = ev.label;
      draft.caption = ev.caption;
      return;
    case 'caption':
      draft.caption = ev.text;
      return;
    case 'objective':
      draft.objectives[ev.objective.id] = ev.objective;
      return;
    case 'field':
      draft.fields[ev.field.id] = ev.field;
      return;
    case 'battle:end':
      draft.ended = { winner: ev.winner, summary: ev.summary };
      return;
    case 'phase:end':
    case 'decision:point':
    case 'decision:made':
    case 'effect':
      return;
  }
}
