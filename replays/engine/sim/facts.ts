import type { BattleDefinition, Facts, GroupFacts, UnitFacts } from '../types.js';
import { hotOf, type Hot } from './hot.js';
import { getUnit, type SimWorld } from './world.js';

// What the battle machine may know about the world each tick (its guards read these).

/** The world's groups in name order, each with its index in hot.groupNames (-1: no unit yet) and its size. */
interface GroupList {
  names: string[];
  index: Int32Array;
  totals: Int32Array;
}

// Kept as long as the hot arrays: groups change only through orders that drop those (a sort of every group's
// name and a Map each step were a fifth of the facts at Cardassia's scale).
const groupLists = new WeakMap<Hot, GroupList>();

function groupList(world: SimWorld, hot: Hot): GroupList {
  let list = groupLists.get(hot);
  if (!list) {
    const gi = new Map<string, number>();
    for (let g = 0; g < hot.groupNames.length; g++) gi.set(hot.groupNames[g], g);
    const names = Object.keys(world.groups).sort();
    const index = new Int32Array(names.length);
    const totals = new Int32Array(names.length);
    for (let k = 0; k < names.length; k++) {
      index[k] = gi.get(names[k]) ?? -1;
      totals[k] = world.groups[names[k]].length;
    }
    list = { names, index, totals };
    groupLists.set(hot, list);
  }
  return list;
}

/** The per-unit pass alone (a long loop in a function of its own: see placeUnits in step.ts). */
function sumUnits(
  hot: Hot,
  alive: Int32Array,
  hullSum: Float64Array,
  shieldSum: Float64Array,
  ships: Int32Array,
  stations: Int32Array,
): void {
  const { living, gix, hullF, shieldF, decoy, ship, side } = hot;
  for (let i = 0; i < hot.n; i++) {
    if (living[i] === 0) continue;
    const g = gix[i];
    alive[g]++;
    hullSum[g] += hullF[i];
    shieldSum[g] += shieldF[i];
    if (decoy[i] === 1) continue;
    if (ship[i] === 1) ships[side[i]]++;
    else stations[side[i]]++;
  }
}

export function computeFacts(world: SimWorld, def?: Pick<BattleDefinition, 'notable'>): Facts {
  // One pass over the step's arrays for group and side figures (this runs every step; at 20,000
  // units walking the unit objects here cost as much as a step). Sums run in unit order, as before.
  const hot = hotOf(world);
  const ng = hot.groupNames.length;
  const alive = new Int32Array(ng);
  const hullSum = new Float64Array(ng);
  const shieldSum = new Float64Array(ng);
  const ships = new Int32Array(hot.sides.length);
  const stations = new Int32Array(hot.sides.length);
  sumUnits(hot, alive, hullSum, shieldSum, ships, stations);
  const sides: Facts['sides'] = {};
  for (let k = 0; k < hot.sides.length; k++) {
    if (k < world.sides.length || ships[k] + stations[k] > 0) sides[hot.sides[k]] = { ships: ships[k], stations: stations[k] };
  }
  const { names, index, totals } = groupList(world, hot);
  const groups: Record<string, GroupFacts> = {};
  for (let k = 0; k < names.length; k++) {
    const g = index[k];
    const n = g < 0 ? 0 : alive[g];
    groups[names[k]] = {
      alive: n,
      total: totals[k],
      hull: g >= 0 && n ? hullSum[g] / n : 0,
      shields: g >= 0 && n ? shieldSum[g] / n : 0,
    };
  }
  const units: Record<string, UnitFacts> = {};
  for (const id of def?.notable ?? world.notable) {
    const u =
      getUnit(world, id) ??
      Object.values(world.reserves)
        .flat()
        .find((r) => r.id === id);
    if (!u) continue;
    const sections: Record<string, number> = {};
    for (const s of u.sections ?? []) sections[s.id] = s.maxShields > 0 ? s.shields / s.maxShields : 0;
    units[id] = {
      status: u.status,
      shields: u.maxShields > 0 ? u.shields / u.maxShields : 0,
      hull: u.maxHull > 0 ? u.hull / u.maxHull : 0,
      sections,
    };
  }
  const fields: Facts['fields'] = {};
  for (const f of world.fields) fields[f.id] = { progress: f.progress, active: f.active, replicated: f.replicated };
  const losses: Facts['losses'] = {};
  for (const s of Object.keys(world.losses).sort()) losses[s] = { ...world.losses[s] };
  return { t: world.t, groups, sides, units, fields, counters: { ...world.counters }, losses };
}
