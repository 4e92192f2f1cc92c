import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import { countForces, formatCount } from '../../shared/battle/forces.js';
import type { Unit } from '../../shared/battle/types.js';
import { getUnit, posAt } from '../../replays/engine/sim/world.js';
import { forcesText } from '../../server/annotations/debrief.js';
import { battles, compileBattle } from '../../replays/index.js';
import { testUnit } from '../fixtures/units.js';
import { defWith, Driver } from '../fixtures/worlds.js';

// Issue #14: `forces` counts everyone who takes part, by side, not only the units there at t = 0; and the
// move order's `reform` closes a scattered group up into a formation.

const unit = (id: string, side: string, kind: Unit['kind']): Unit =>
  testUnit(id, { side, kind, cls: 'test', group: id, shields: 1, maxShields: 1, hull: 1, maxHull: 1, size: 1 });

describe('forces', () => {
  it('counts late arrivals, keeps atStart apart, leaves decoys out and counts a side change once per side joined', () => {
    let seq = 0;
    const ev = (t: number, body: Record<string, unknown>) => ({ seq: seq++, t, ...body }) as BattleEvent;
    const events: BattleEvent[] = [
      ev(0, { type: 'unit:spawn', unit: unit('b1', 'blue', 'ship') }),
      ev(0, { type: 'unit:spawn', unit: unit('b2', 'blue', 'station') }),
      ev(0, { type: 'unit:spawn', unit: unit('r1', 'red', 'ship') }),
      ev(0, { type: 'unit:spawn', unit: unit('r2', 'red', 'platform') }),
      ev(5000, { type: 'unit:spawn', unit: unit('b3', 'blue', 'ship') }),
      ev(6000, { type: 'unit:spawn', unit: unit('d1', 'blue', 'decoy') }),
      ev(7000, { type: 'unit:side', ids: ['r1', 'r2'], side: 'blue' }),
      ev(8000, { type: 'unit:side', ids: ['r1'], side: 'red' }),
      ev(9000, { type: 'unit:side', ids: ['r1'], side: 'blue' }),
    ];
    const f = countForces(events, ['blue', 'red', 'green']);
    expect(f.blue).toEqual({
      ships: 2,
      stations: 1,
      atStart: { ships: 1, stations: 1 },
      joined: { ships: 1, stations: 1 },
      // r1 went back to red once (and returned): a unit leaving a side it had joined counts too.
      defected: { ships: 1, stations: 0 },
    });
    expect(f.red).toEqual({
      ships: 1,
      stations: 1,
      atStart: { ships: 1, stations: 1 },
      joined: { ships: 1, stations: 0 },
      defected: { ships: 1, stations: 1 },
    });
    expect(f.green.ships + f.green.stations).toBe(0);
    expect([formatCount(0), formatCount(999), formatCount(6795), formatCount(15360), formatCount(1234567)]).toEqual([
      '0',
      '999',
      '6,795',
      '15,360',
      '1,234,567',
    ]);
  });

  it('the debrief says it in words: everyone, then the start and the side changes', () => {
    const none = { ships: 0, stations: 0 };
    const alliance = {
      ships: 6795,
      stations: 0,
      atStart: { ships: 3240, stations: 0 },
      joined: { ships: 2100, stations: 0 },
      defected: none,
    };
    expect(forcesText('Alliance', alliance)).toBe(
      'Alliance: 6,795 ships (3,240 ships at the start; 2,100 ships came over from the other side)',
    );
    const dominion = {
      ships: 15360,
      stations: 246,
      atStart: { ships: 15360, stations: 246 },
      joined: none,
      defected: { ships: 2100, stations: 0 },
    };
    expect(forcesText('Dominion', dominion)).toBe(
      'Dominion: 15,360 ships and 246 stations and platforms (15,360 ships and 246 stations and platforms at the start; 2,100 ships went over to the other side)',
    );
  });

  it('every compiled timeline counts exactly the units it spawns', () => {
    const def = battles.find((b) => b.info.id === 'battle-of-terok-nor');
    if (!def) throw new Error('Terok Nor missing');
    const tl = compileBattle(def).timeline;
    const spawns = tl.events.filter((e) => e.type === 'unit:spawn' && e.unit.kind !== 'decoy');
    const total = Object.values(tl.forces).reduce((n, s) => n + s.ships + s.stations, 0);
    const atStart = Object.values(tl.forces).reduce((n, s) => n + s.atStart.ships + s.atStart.stations, 0);
    expect(total).toBe(spawns.length);
    expect(atStart).toBe(spawns.filter((e) => e.t === 0).length);
  });
});

describe('move with reform', () => {
  it('closes a scattered group up into a grid of the given spacing at the destination', () => {
    const spec = { group: 'a', side: 'blue', cls: 'defiant', count: 25, at: { x: 200, y: 300 }, spread: 60, formation: 'scatter' as const };
    const d = new Driver(defWith([spec]));
    d.order({ kind: 'move', group: 'a', to: { x: 600, y: 300 }, reform: { formation: 'grid', spacing: 4 } });
    d.run(120_000);
    const pos = Array.from({ length: 25 }, (_, i) => posAt(getUnit(d.world, `a-${i + 1}`)!, d.world.t));
    const cx = pos.reduce((n, p) => n + p.x, 0) / pos.length;
    const cy = pos.reduce((n, p) => n + p.y, 0) / pos.length;
    // Ships stop within one step's travel of their slot (the navigation's arrival rule).
    const travel = (getUnit(d.world, 'a-1')!.speed * 200) / 1000;
    expect(Math.hypot(cx - 600, cy - 300)).toBeLessThanOrEqual(travel);
    // A 5×5 grid 4 apart: every ship within 8·√2 of the centre (the scatter spread 60).
    for (const p of pos) expect(Math.hypot(p.x - cx, p.y - cy)).toBeLessThanOrEqual(8 * Math.SQRT2 + travel);
    // Without reform the same move keeps the scatter (the 60-unit spread).
    const k = new Driver(defWith([spec]));
    k.order({ kind: 'move', group: 'a', to: { x: 600, y: 300 } });
    k.run(120_000);
    const far = Array.from({ length: 25 }, (_, i) => posAt(getUnit(k.world, `a-${i + 1}`)!, k.world.t));
    expect(Math.max(...far.map((p) => Math.hypot(p.x - 600, p.y - 300)))).toBeGreaterThan(40);
  });
});
