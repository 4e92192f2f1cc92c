import type { BattleDefinition, Facts, GroupFacts, UnitFacts } from '../types.js';
import { getUnit, isLiving, type SimWorld } from './world.js';

// What the battle machine may know about the world each tick (its guards read these).

export function computeFacts(world: SimWorld, def?: Pick<BattleDefinition, 'notable'>): Facts {
  // One pass over the units for group and side figures (this runs every step).
  const acc = new Map<string, { alive: number; hull: number; shields: number }>();
  const sides: Facts['sides'] = {};
  for (const s of world.sides) sides[s] = { ships: 0, stations: 0 };
  for (const u of world.units) {
    if (!isLiving(u)) continue;
    let a = acc.get(u.group);
    if (!a) acc.set(u.group, (a = { alive: 0, hull: 0, shields: 0 }));
    a.alive++;
    a.hull += u.maxHull > 0 ? u.hull / u.maxHull : 0;
    a.shields += u.maxShields > 0 ? u.shields / u.maxShields : 0;
    if (u.kind === 'decoy') continue;
    const s = (sides[u.side] ??= { ships: 0, stations: 0 });
    if (u.kind === 'ship') s.ships++;
    else s.stations++;
  }
  const groups: Record<string, GroupFacts> = {};
  for (const g of Object.keys(world.groups).sort()) {
    const a = acc.get(g);
    const alive = a?.alive ?? 0;
    groups[g] = {
      alive,
      total: world.groups[g].length,
      hull: a && alive ? a.hull / alive : 0,
      shields: a && alive ? a.shields / alive : 0,
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
