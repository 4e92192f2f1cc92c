import type { BattleEvent } from './events.js';
import type { WorldState } from './state.js';
import type { Unit } from './types.js';

// The pure reducer shared by server (keyframes) and client (folding streamed events).
// applyEvents never mutates its input: changed units and maps are copied, unchanged ones are shared. foldInto writes
// into units the caller owns (see there).

/**
 * Fold a run of events onto a state (e.g. a keyframe plus the events after it).
 * The input is never mutated: the state's maps are copied on their first write in the batch, and each
 * touched unit once, so a batch costs one unit-map copy however many events it holds (a large battle
 * has thousands of units: a copy per event made folding quadratic).
 */
export function applyEvents(state: WorldState, events: readonly BattleEvent[]): WorldState {
  if (events.length === 0) return state;
  const d = new Draft(state);
  for (const ev of events) d.fold(ev);
  return d.state;
}

/**
 * Fold a run of events into a state whose unit map, units and their pos/vel objects belong to the caller alone
 * (e.g. freshly unpacked from a segment, then only ever folded here; a shallow copy of another world's units would
 * share its positions): units are updated in place, so a frame of a 20,000-unit world
 * costs no copy of its unit map (a segment world folds every frame at 16x). Returns a new top-level object; the
 * unit map is replaced (copied once) only when a batch adds units, so a list of its values stays valid while its
 * keys do. Spawned units are copied from their events (with their own pos and vel, which moves then write into),
 * and the events stay untouched. Everything else as applyEvents.
 */
export function foldInto(state: WorldState, events: readonly BattleEvent[]): WorldState {
  if (events.length === 0) return state;
  const d = new Draft(state, true);
  for (const ev of events) d.fold(ev);
  return d.state;
}

/** One event: a batch of one (a single implementation of the rules, in Draft.fold). */
export function applyEvent(state: WorldState, ev: BattleEvent): WorldState {
  return applyEvents(state, [ev]);
}

/**
 * A shallow copy with the same keys in the same order. At 20,000 units the map is a dictionary-mode
 * object, which V8 spreads through a slow generic path; a keyed loop copies it in about 60% of the time.
 */
function copyRecord<T>(src: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = src[keys[i]];
  return out;
}

/** A private copy of a state, its maps and units copied on first write. */
class Draft {
  readonly state: WorldState;
  private units: Record<string, Unit> | null = null;
  private readonly owned = new Set<string>();
  private objectivesCopied = false;
  private fieldsCopied = false;

  /** inPlace: the input's unit map and units are the caller's own (foldInto). */
  constructor(
    input: WorldState,
    private readonly inPlace = false,
  ) {
    this.state = { ...input };
  }

  private writableUnits(): Record<string, Unit> {
    if (!this.units) this.units = this.state.units = copyRecord(this.state.units);
    return this.units;
  }

  /** A unit that may be written: copied from the input on first touch. */
  private unit(id: string): Unit | undefined {
    if (!this.state.units[id]) return undefined;
    if (this.inPlace) return this.state.units[id];
    const units = this.writableUnits();
    if (this.owned.has(id)) return units[id];
    const copy = { ...units[id] };
    units[id] = copy;
    this.owned.add(id);
    return copy;
  }

  fold(ev: BattleEvent): void {
    const s = this.state;
    s.t = ev.t;
    s.nextSeq = ev.seq + 1;
    switch (ev.type) {
      case 'unit:spawn':
        // In place, the unit's own position and velocity too: moves write into them (see unit:move).
        if (this.inPlace) this.writableUnits()[ev.unit.id] = { ...ev.unit, pos: { ...ev.unit.pos }, vel: { ...ev.unit.vel } };
        else {
          this.writableUnits()[ev.unit.id] = ev.unit;
          this.owned.delete(ev.unit.id);
        }
        return;
      case 'unit:move': {
        const u = this.unit(ev.id);
        if (!u) return;
        if (this.inPlace) {
          // Copied into the unit's own objects, not shared with the event: a world that folds a 20,000-unit battle
          // at 16x would otherwise keep a few objects alive on every page of parsed events it has let go, and the
          // browser's collector copies those out of each page (docs/benchmarks.md, twelfth session).
          const { pos, vel } = ev; // read once: the browser's moves compute them (client/src/segments/movePack.ts)
          u.pos.x = pos.x;
          u.pos.y = pos.y;
          u.vel.x = vel.x;
          u.vel.y = vel.y;
        } else {
          u.pos = ev.pos;
          u.vel = ev.vel;
        }
        u.heading = ev.heading;
        u.t0 = ev.t;
        return;
      }
      case 'unit:fire': {
        const u = this.unit(ev.to);
        if (!u) return;
        u.shields = ev.shields;
        u.hull = ev.hull;
        if (ev.section && u.sections) {
          const sec = ev.section;
          u.sections = u.sections.map((x) => (x.id === sec.id ? { ...x, shields: sec.shields } : x));
        }
        return;
      }
      case 'unit:volley': {
        // Each target's state after its last shot of the volley: what the same shots as unit:fire leave.
        for (let j = 0; j < ev.targets.length; j++) {
          const u = this.unit(ev.ids[ev.targets[j]]);
          if (!u) continue;
          u.shields = ev.shields[j];
          u.hull = ev.hull[j];
        }
        for (const sec of ev.sections ?? []) {
          const u = this.unit(ev.ids[sec.target]);
          if (u?.sections) u.sections = u.sections.map((x) => (x.id === sec.id ? { ...x, shields: sec.shields } : x));
        }
        return;
      }
      case 'unit:status': {
        const u = this.unit(ev.id);
        if (!u) return;
        u.status = ev.status;
        // A unit that stops (destroyed, disabled, surrendered) also stops moving: freeze it where it is.
        if (ev.status !== 'active' && ev.status !== 'cloaked') {
          const dt = (ev.t - u.t0) / 1000;
          u.pos = { x: u.pos.x + u.vel.x * dt, y: u.pos.y + u.vel.y * dt };
          u.vel = { x: 0, y: 0 };
          u.t0 = ev.t;
        }
        return;
      }
      case 'unit:side':
        for (const id of ev.ids) {
          const u = this.unit(id);
          if (u) u.side = ev.side;
        }
        return;
      case 'unit:sections': {
        const u = this.unit(ev.id);
        if (u) u.sections = ev.sections;
        return;
      }
      case 'phase:start':
        s.phaseId = ev.phaseId;
        s.phaseTitle = ev.title;
        s.label = ev.label;
        s.caption = ev.caption;
        return;
      case 'caption':
        s.caption = ev.text;
        return;
      case 'objective':
        if (!this.objectivesCopied) {
          s.objectives = { ...s.objectives };
          this.objectivesCopied = true;
        }
        s.objectives[ev.objective.id] = ev.objective;
        return;
      case 'field':
        if (!this.fieldsCopied) {
          s.fields = { ...s.fields };
          this.fieldsCopied = true;
        }
        s.fields[ev.field.id] = ev.field;
        return;
      case 'battle:end':
        s.ended = { winner: ev.winner, summary: ev.summary };
        return;
      case 'phase:end':
      case 'decision:point':
      case 'decision:made':
      case 'effect':
        return;
    }
  }
}
