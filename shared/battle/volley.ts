import type { BattleEvent, BattleEventBody } from './events.js';
import type { WeaponKind } from './types.js';

// Volleys (issue #14): every shot of one simulation step as one columnar `unit:volley` event, instead of one
// `unit:fire` per shot. At 20,000 units nine events in ten were shots; a volley names each unit once, and each
// target's resulting shields and hull once (the values after its last shot of the step), which is all the
// reducer needs to reach the world the separate shots would give. Battles opt in (BattleDefinition.volleys).

export type VolleyBody = Extract<BattleEventBody, { type: 'unit:volley' }>;
export type VolleyEvent = Extract<BattleEvent, { type: 'unit:volley' }>;
export type FireBody = Extract<BattleEventBody, { type: 'unit:fire' }>;

/** One shot of a volley, spelled out (what a `unit:fire` says, without the target's resulting state). */
export interface VolleyShot {
  from: string;
  to: string;
  weapon: WeaponKind;
  hit: boolean;
}

/**
 * Builds one volley shot by shot, in firing order. `body` is complete after every add (so the simulation can
 * place it in the event order at its first shot and keep adding).
 */
export class VolleyBuilder {
  readonly body: VolleyBody = {
    type: 'unit:volley',
    ids: [],
    weapons: [],
    from: [],
    to: [],
    weapon: [],
    hit: [],
    targets: [],
    shields: [],
    hull: [],
  };
  private readonly idIx = new Map<string, number>();
  private readonly targetIx = new Map<number, number>();
  private readonly sectionIx = new Map<string, number>();
  // A unit fires all its ready weapons at one target in a step: consecutive shots mostly repeat the last pair.
  private lastFrom = '';
  private lastFromIx = -1;
  private lastTo = '';
  private lastToIx = -1;
  private lastSlot = -1;

  get size(): number {
    return this.body.from.length;
  }

  private id(s: string): number {
    let i = this.idIx.get(s);
    if (i === undefined) {
      i = this.body.ids.length;
      this.body.ids.push(s);
      this.idIx.set(s, i);
    }
    return i;
  }

  /** A shot and the target's shields and hull after it (and a station section's shields when it was aimed at one). */
  add(
    from: string,
    to: string,
    weapon: WeaponKind,
    hit: boolean,
    shields: number,
    hull: number,
    section?: { id: string; shields: number },
  ): void {
    const b = this.body;
    // The target is interned before the shooter (the order the columns have always had).
    if (to !== this.lastTo || this.lastToIx < 0) {
      this.lastTo = to;
      this.lastToIx = this.id(to);
      this.lastSlot = this.targetIx.get(this.lastToIx) ?? -1;
    }
    if (from !== this.lastFrom || this.lastFromIx < 0) {
      this.lastFrom = from;
      this.lastFromIx = this.id(from);
    }
    const ti = this.lastToIx;
    b.from.push(this.lastFromIx);
    b.to.push(ti);
    let w = b.weapons.indexOf(weapon);
    if (w < 0) w = b.weapons.push(weapon) - 1;
    b.weapon.push(w);
    b.hit.push(hit ? 1 : 0);
    const slot = this.lastSlot;
    if (slot < 0) {
      this.lastSlot = b.targets.length;
      this.targetIx.set(ti, this.lastSlot);
      b.targets.push(ti);
      b.shields.push(shields);
      b.hull.push(hull);
    } else {
      b.shields[slot] = shields;
      b.hull[slot] = hull;
    }
    if (section) {
      const key = `${ti}\u0000${section.id}`;
      const sections = (b.sections ??= []);
      const s = this.sectionIx.get(key);
      if (s === undefined) {
        this.sectionIx.set(key, sections.length);
        sections.push({ target: ti, id: section.id, shields: section.shields });
      } else sections[s].shields = section.shields;
    }
  }
}

/** The volley equivalent to a run of `unit:fire` bodies (tests, tools). */
export function volleyOf(fires: readonly FireBody[]): VolleyBody {
  const v = new VolleyBuilder();
  for (const f of fires) v.add(f.from, f.to, f.weapon, f.hit, f.shields, f.hull, f.section);
  return v.body;
}

/** Shot k of a volley. */
export function volleyShot(v: VolleyBody, k: number): VolleyShot {
  return { from: v.ids[v.from[k]], to: v.ids[v.to[k]], weapon: v.weapons[v.weapon[k]], hit: v.hit[k] === 1 };
}

/** Every shot of a volley, in firing order. */
export function volleyShots(v: VolleyBody): VolleyShot[] {
  const out: VolleyShot[] = [];
  for (let k = 0; k < v.from.length; k++) out.push(volleyShot(v, k));
  return out;
}

/** Shots in an event: 1 for a `unit:fire`, the volley's size for a `unit:volley`, else 0 (counting shots or hits). */
export function shotCount(ev: BattleEventBody): number {
  return ev.type === 'unit:fire' ? 1 : ev.type === 'unit:volley' ? ev.from.length : 0;
}

/** Every shot an event stream holds, fires and volleys alike, with its time (tests, statistics). */
export function shotsIn(events: readonly BattleEvent[]): (VolleyShot & { t: number; seq: number })[] {
  const out: (VolleyShot & { t: number; seq: number })[] = [];
  for (const e of events) {
    if (e.type === 'unit:fire') out.push({ from: e.from, to: e.to, weapon: e.weapon, hit: e.hit, t: e.t, seq: e.seq });
    else if (e.type === 'unit:volley') for (let k = 0; k < e.from.length; k++) out.push({ ...volleyShot(e, k), t: e.t, seq: e.seq });
  }
  return out;
}
