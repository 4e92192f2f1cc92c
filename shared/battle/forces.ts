import type { BattleEvent } from './events.js';
import type { SideForces } from './timeline.js';
import type { SideId } from './types.js';

// The forces of a branch, counted from its events: every unit that takes part, not only those on the
// map at t = 0. Pure and deterministic (events in order), so any timeline can be recounted.

/** Thousands separated by commas, without locale data (summaries must be byte-identical everywhere). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const zero = () => ({ ships: 0, stations: 0 });

/**
 * Each unit counts once, on the side it entered the battle with (at t = 0 or arriving later), as a ship
 * or a station (platforms and installations are stations); decoys do not count. A unit that goes over to
 * another side counts in `joined` of its new side and `defected` of its old one, once per side it joins.
 */
export function countForces(events: readonly BattleEvent[], sides: readonly SideId[]): Record<SideId, SideForces> {
  const out: Record<SideId, SideForces> = {};
  const sideOf = (s: SideId) => (out[s] ??= { ...zero(), atStart: zero(), joined: zero(), defected: zero() });
  for (const s of sides) sideOf(s);
  const units = new Map<string, { side: SideId; key: 'ships' | 'stations'; joined: Set<SideId> }>();
  for (const ev of events) {
    if (ev.type === 'unit:spawn') {
      const u = ev.unit;
      if (u.kind === 'decoy' || units.has(u.id)) continue;
      const key = u.kind === 'ship' ? 'ships' : 'stations';
      units.set(u.id, { side: u.side, key, joined: new Set() });
      const f = sideOf(u.side);
      f[key]++;
      if (ev.t === 0) f.atStart[key]++;
    } else if (ev.type === 'unit:side') {
      for (const id of ev.ids) {
        const u = units.get(id);
        if (!u || u.side === ev.side) continue;
        if (!u.joined.has(ev.side)) {
          u.joined.add(ev.side);
          sideOf(ev.side).joined[u.key]++;
          sideOf(u.side).defected[u.key]++;
        }
        u.side = ev.side;
      }
    }
  }
  return out;
}
