import type { Vec2, Weapon } from '../../../shared/battle/types.js';
import type { SimUnit, SimWorld, GroupOrder } from './world.js';
import { cloneWorld as copyWorld, unitIndex } from './world.js';

// The step's hot unit state as structure-of-arrays (issue #14: at 20,000 units the step was bound by
// walking unit objects). The SimUnit objects stay the truth for everything but cooldowns: the step
// writes both (a course change or status change is rare next to the reads), and reads the arrays.
// Cooldowns change every step for every armed unit, so the arrays own them between syncs; syncHot()
// writes them back before the world is serialised (the world's own toJSON calls it, so
// JSON.stringify(world) is still a checkpoint) or changed from outside the step (an order re-reads the units it
// changed, touchHot; one that adds units or changes a group's members drops the store, and the next step rebuilds it
// from the objects).

export interface Hot {
  n: number;
  /** Position at t0, velocity (map units / s) and t0: what the events announced. */
  x0: Float64Array;
  y0: Float64Array;
  vx: Float64Array;
  vy: Float64Array;
  t0: Float64Array;
  /** Index of the unit's side in `sides`. */
  side: Int8Array;
  sides: string[];
  /** Status flags: living (not destroyed/retreated/evacuated), targetable, active, moves (active or cloaked). */
  living: Uint8Array;
  tgt: Uint8Array;
  active: Uint8Array;
  moves: Uint8Array;
  decoy: Uint8Array;
  /** Ships (not stations, platforms or decoys): the facts count them by side. */
  ship: Uint8Array;
  /** Group of each unit, as an index into groupNames (for the facts' per-group sums). */
  gix: Int32Array;
  groupNames: string[];
  /** hull / maxHull and shields / maxShields (0 when the max is 0), kept current by the step's hits. */
  hullF: Float64Array;
  shieldF: Float64Array;
  /** Navigation mirrors of SimUnit.speed, cruise, replanT and dest (hasDest 0 = dest null). */
  speed: Float64Array;
  cruise: Float64Array;
  replanT: Float64Array;
  destX: Float64Array;
  destY: Float64Array;
  hasDest: Uint8Array;
  /** Decoys dissolve at this time (Infinity = never). */
  expire: Float64Array;
  /** Longest weapon range. */
  reach: Float64Array;
  /** Cooldowns: unit i's weapons are cd[cdOff[i] .. cdOff[i + 1]). Owned here between syncs. */
  cdOff: Int32Array;
  cd: Float64Array;
  /**
   * Decrements of unit i's cooldowns owed (pend[i], each of pendDt ms): a unit none of whose weapons can come
   * ready before world time skipTo[i] is passed over by the step, which counts the decrement it would have made
   * instead. The same subtractions are made, in the same order, when the unit is next looked at or synced.
   */
  pend: Int32Array;
  skipTo: Float64Array;
  pendDt: number;
  /** Each weapon's range, minimum range (0 when none), accuracy, damage, cooldown and kind, by the same slots as cd. */
  wRange: Float64Array;
  wMin: Float64Array;
  wAcc: Float64Array;
  wDmg: Float64Array;
  wCool: Float64Array;
  wKind: Weapon['kind'][];
  /** Current target's index (-1 = none), mirrors SimUnit.targetId. */
  target: Int32Array;
  /** The group's standing order, by unit (orders change only through applyOrder, which re-reads or drops the store). */
  order: (GroupOrder | undefined)[];
  /** Scratch for the step: positions now, and the living units in index order. */
  px: Float64Array;
  py: Float64Array;
  live: Int32Array;
  liveN: number;
}

const store = new WeakMap<SimWorld, Hot>();

function weaponsReach(u: SimUnit): number {
  let r = 0;
  for (const w of u.weapons) if (w.range > r) r = w.range;
  return r;
}

function sideIndex(hot: Hot, side: string): number {
  let k = hot.sides.indexOf(side);
  if (k < 0) {
    k = hot.sides.length;
    hot.sides.push(side);
  }
  return k;
}

/** Re-read unit i's position, velocity and status from its object (after the step changed them). */
export function refresh(hot: Hot, u: SimUnit, i: number): void {
  hot.x0[i] = u.pos.x;
  hot.y0[i] = u.pos.y;
  hot.vx[i] = u.vel.x;
  hot.vy[i] = u.vel.y;
  hot.t0[i] = u.t0;
  const s = u.status;
  const living = s !== 'destroyed' && s !== 'retreated' && s !== 'evacuated';
  hot.living[i] = living ? 1 : 0;
  hot.tgt[i] = living && s !== 'surrendered' && s !== 'cloaked' ? 1 : 0;
  hot.active[i] = s === 'active' ? 1 : 0;
  hot.moves[i] = s === 'active' || s === 'cloaked' ? 1 : 0;
  // A status change may stop the unit (freeze clears its destination).
  if (u.dest === null) hot.hasDest[i] = 0;
  else {
    hot.hasDest[i] = 1;
    hot.destX[i] = u.dest.x;
    hot.destY[i] = u.dest.y;
  }
}

/** Re-read unit i's hull and shield fractions (after a hit). */
export function refreshHealth(hot: Hot, u: SimUnit, i: number): void {
  hot.hullF[i] = u.maxHull > 0 ? u.hull / u.maxHull : 0;
  hot.shieldF[i] = u.maxShields > 0 ? u.shields / u.maxShields : 0;
}

/** Set unit i's destination on the object and in the arrays. */
export function setDest(hot: Hot, u: SimUnit, i: number, dest: Vec2 | null): void {
  u.dest = dest;
  if (dest === null) hot.hasDest[i] = 0;
  else {
    hot.hasDest[i] = 1;
    hot.destX[i] = dest.x;
    hot.destY[i] = dest.y;
  }
}

function build(world: SimWorld): Hot {
  const units = world.units;
  const n = units.length;
  const cdOff = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) cdOff[i + 1] = cdOff[i] + units[i].cd.length;
  const hot: Hot = {
    n,
    x0: new Float64Array(n),
    y0: new Float64Array(n),
    vx: new Float64Array(n),
    vy: new Float64Array(n),
    t0: new Float64Array(n),
    side: new Int8Array(n),
    sides: [...world.sides],
    living: new Uint8Array(n),
    tgt: new Uint8Array(n),
    active: new Uint8Array(n),
    moves: new Uint8Array(n),
    decoy: new Uint8Array(n),
    ship: new Uint8Array(n),
    gix: new Int32Array(n),
    groupNames: [],
    hullF: new Float64Array(n),
    speed: new Float64Array(n),
    cruise: new Float64Array(n),
    replanT: new Float64Array(n),
    destX: new Float64Array(n),
    destY: new Float64Array(n),
    hasDest: new Uint8Array(n),
    shieldF: new Float64Array(n),
    expire: new Float64Array(n),
    reach: new Float64Array(n),
    cdOff,
    cd: new Float64Array(cdOff[n]),
    pend: new Int32Array(n),
    skipTo: new Float64Array(n),
    pendDt: 0,
    wRange: new Float64Array(cdOff[n]),
    wMin: new Float64Array(cdOff[n]),
    wAcc: new Float64Array(cdOff[n]),
    wDmg: new Float64Array(cdOff[n]),
    wCool: new Float64Array(cdOff[n]),
    wKind: new Array<Weapon['kind']>(cdOff[n]),
    target: new Int32Array(n),
    order: new Array<GroupOrder | undefined>(n),
    px: new Float64Array(n),
    py: new Float64Array(n),
    live: new Int32Array(n),
    liveN: 0,
  };
  const index = unitIndex(world);
  const groupIx = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const u = units[i];
    // What an order can change (reread: the same reads as touchHot and rereadHot), then what a unit keeps for life.
    reread(world, hot, index, u, i);
    hot.ship[i] = u.kind === 'ship' ? 1 : 0;
    let g = groupIx.get(u.group);
    if (g === undefined) {
      g = hot.groupNames.length;
      groupIx.set(u.group, g);
      hot.groupNames.push(u.group);
    }
    hot.gix[i] = g;
    hot.decoy[i] = u.kind === 'decoy' ? 1 : 0;
    hot.reach[i] = weaponsReach(u);
    hot.cd.set(u.cd, cdOff[i]);
    for (let k = 0, o = cdOff[i]; k < u.weapons.length; k++, o++) {
      const w = u.weapons[k];
      hot.wRange[o] = w.range;
      hot.wMin[o] = w.minRange ?? 0;
      hot.wAcc[o] = w.accuracy;
      hot.wDmg[o] = w.damage;
      hot.wCool[o] = w.cooldownMs;
      hot.wKind[o] = w.kind;
    }
  }
  return hot;
}

/** The world's hot store, built from its objects on first use (and after an order or a copy). */
export function hotOf(world: SimWorld): Hot {
  let hot = store.get(world);
  if (!hot || hot.n !== world.units.length) {
    if (hot) syncHot(world);
    hot = build(world);
    store.set(world, hot);
    // JSON.stringify(world) stays a checkpoint: serialising syncs the cooldowns first. Not enumerable,
    // so copies and key listings of the world never see it.
    if (!Object.hasOwn(world, 'toJSON')) {
      Object.defineProperty(world, 'toJSON', {
        value: () => {
          syncHot(world);
          return { ...world };
        },
        enumerable: false,
      });
    }
  }
  return hot;
}

/** Write the cooldowns the store owns back into the unit objects (the world is plain JSON again). */
export function syncHot(world: SimWorld): void {
  const hot = store.get(world);
  if (!hot) return;
  settleCooldowns(hot);
  const { cd, cdOff } = hot;
  for (let i = 0; i < hot.n; i++) {
    const c = world.units[i].cd;
    for (let k = 0, o = cdOff[i]; k < c.length; k++) c[k] = cd[o + k];
  }
}

/** Make every owed cooldown decrement (see Hot.pend). */
export function settleCooldowns(hot: Hot): void {
  const { pend, cd, cdOff, pendDt } = hot;
  for (let i = 0; i < hot.n; i++) {
    const m = pend[i];
    if (m === 0) continue;
    pend[i] = 0;
    for (let o = cdOff[i]; o < cdOff[i + 1]; o++) {
      let c = cd[o];
      for (let s = 0; s < m; s++) c = Math.max(0, c - pendDt);
      cd[o] = c;
    }
  }
}

/**
 * An order changed these units' objects (course, destination, status, side, target, cruise, re-plan time) or their
 * group's standing order, and nothing else (no unit added, no group's membership changed): re-read them into the
 * store instead of rebuilding it (at 22,401 units a rebuild was 13-70 ms, up to 19 orders in a 10 s window). The
 * store keeps the cooldowns it owes (made as before, when the unit is next looked at or synced), so every unit's
 * arrays hold what a rebuild from the objects would.
 */
export function touchHot(world: SimWorld, units: readonly SimUnit[]): void {
  const hot = store.get(world);
  // No store, or one a unit was added since: rebuilt from the objects on next use anyway.
  if (!hot || hot.n !== world.units.length) return;
  const index = unitIndex(world);
  for (const u of units) reread(world, hot, index, u, index.get(u.id) as number);
}

/** Unit i's changeable state (not its cooldowns: the store owns those) read again from its object. */
function reread(world: SimWorld, hot: Hot, index: Map<string, number>, u: SimUnit, i: number): void {
  refresh(hot, u, i);
  refreshHealth(hot, u, i);
  hot.speed[i] = u.speed;
  hot.cruise[i] = u.cruise;
  hot.replanT[i] = u.replanT;
  hot.expire[i] = u.expireT === null ? Infinity : u.expireT;
  hot.side[i] = sideIndex(hot, u.side);
  hot.target[i] = u.targetId === null ? -1 : (index.get(u.targetId) ?? -1);
  hot.order[i] = world.orders[u.group];
}

/**
 * The world was synced (syncHot) and its objects then changed in place with nothing but -0s turned into 0 (a
 * checkpoint's plainJsonInPlace): read every unit, cooldowns included, back into the store, which then holds what a
 * rebuild would (its arrays kept, and with them the step's grids, target groups and the facts' group list: a rebuild
 * and their re-warming were ~30 ms of each Cardassia checkpoint). Units, groups and weapons are as they were.
 */
export function rereadHot(world: SimWorld): void {
  const hot = store.get(world);
  if (!hot) return;
  if (hot.n !== world.units.length) {
    store.delete(world);
    return;
  }
  const index = unitIndex(world);
  const { cd, cdOff } = hot;
  for (let i = 0; i < hot.n; i++) {
    const u = world.units[i];
    reread(world, hot, index, u, i);
    for (let k = 0, o = cdOff[i]; k < u.cd.length; k++, o++) cd[o] = u.cd[k];
  }
}

/** Something outside the step is about to change the world: sync, then rebuild on the next step. */
export function dropHot(world: SimWorld): void {
  syncHot(world);
  store.delete(world);
}

/** A plain-JSON copy of the world (cooldowns synced first). */
export function cloneWorld(world: SimWorld): SimWorld {
  syncHot(world);
  return copyWorld(world);
}
