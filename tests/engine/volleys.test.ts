import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BattleEvent, BattleEventBody } from '../../shared/battle/events.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import { emptyWorld, type WorldState } from '../../shared/battle/state.js';
import type { Unit, WeaponKind } from '../../shared/battle/types.js';
import { shotsIn, volleyOf, volleyShots, type FireBody } from '../../shared/battle/volley.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { getBattle } from '../../replays/index.js';
import { testUnit } from '../fixtures/units.js';
import { defWith, Driver } from '../fixtures/worlds.js';

// Volleys (issue #14): a unit:volley folds to the world its shots as unit:fire events fold to, and a battle
// compiled with volleys simulates exactly the battle compiled without (same dice, same world, same shots).

function unit(id: string, sections: boolean): Unit {
  if (!sections) return testUnit(id, { side: 'red' });
  const s = (sid: string) => ({ id: sid, label: sid.toUpperCase(), shields: 50, maxShields: 50 });
  return testUnit(id, { side: 'red', kind: 'station', sections: [s('s1'), s('s2')] });
}

function stamped(bodies: BattleEventBody[], t: number, seq0 = 0): BattleEvent[] {
  return bodies.map((b, i) => ({ seq: seq0 + i, t, ...b }) as BattleEvent);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** The base world: four ships and two stations with shield sections ('x' and 'y' are never spawned). */
const base: WorldState = deepFreeze(
  applyEvents(
    emptyWorld(),
    stamped(
      ['a', 'b', 'c', 'd', 'st1', 'st2'].map((id) => ({ type: 'unit:spawn', unit: unit(id, id.startsWith('st')) })),
      0,
    ),
  ),
);

const WEAPONS: WeaponKind[] = ['phaser', 'disruptor', 'torpedo', 'plasma', 'polaron'];

const fireArb: fc.Arbitrary<FireBody> = fc
  .record({
    from: fc.constantFrom('a', 'b', 'c', 'mf', 'x'),
    to: fc.constantFrom('a', 'b', 'c', 'd', 'st1', 'st2', 'y'),
    weapon: fc.constantFrom(...WEAPONS),
    hit: fc.boolean(),
    shields: fc.integer({ min: 0, max: 100 }),
    hull: fc.integer({ min: 0, max: 200 }),
    section: fc.option(fc.record({ id: fc.constantFrom('s1', 's2', 'nope'), shields: fc.integer({ min: 0, max: 50 }) }), {
      nil: undefined,
    }),
  })
  .map((f) => {
    const { section, ...rest } = f;
    return section === undefined ? { type: 'unit:fire' as const, ...rest } : { type: 'unit:fire' as const, ...rest, section };
  });

describe('unit:volley in the reducer', () => {
  it('folds to the same world as its shots sent as unit:fire, and never mutates its input', () => {
    fc.assert(
      fc.property(fc.array(fireArb, { minLength: 1, maxLength: 40 }), (fires) => {
        const volley = volleyOf(fires);
        const byFires = applyEvents(base, stamped(fires, 200, 6));
        const byVolley = applyEvents(base, deepFreeze(stamped([volley], 200, 6)));
        // Same units, same shields/hull/sections (the seq counters differ: one event instead of many).
        expect(byVolley.units).toEqual(byFires.units);
        expect(JSON.stringify(byVolley.units)).toBe(JSON.stringify(byFires.units));
        // Units it never names are shared, not copied.
        const named = new Set(volley.targets.map((j) => volley.ids[j]));
        for (const id of Object.keys(base.units)) if (!named.has(id)) expect(byVolley.units[id]).toBe(base.units[id]);
        // And the shots read back in order.
        expect(volleyShots(volley)).toEqual(fires.map((f) => ({ from: f.from, to: f.to, weapon: f.weapon, hit: f.hit })));
      }),
      { numRuns: 300 },
    );
  });

  it('takes each target once, with its state after its last shot', () => {
    const v = volleyOf([
      { type: 'unit:fire', from: 'a', to: 'st1', weapon: 'phaser', hit: true, shields: 80, hull: 200, section: { id: 's1', shields: 30 } },
      { type: 'unit:fire', from: 'b', to: 'c', weapon: 'torpedo', hit: false, shields: 100, hull: 200 },
      { type: 'unit:fire', from: 'a', to: 'st1', weapon: 'phaser', hit: true, shields: 0, hull: 200, section: { id: 's1', shields: 0 } },
    ]);
    expect(v.ids).toEqual(['st1', 'a', 'c', 'b']);
    expect(v.from).toEqual([1, 3, 1]);
    expect(v.to).toEqual([0, 2, 0]);
    expect(v.weapons).toEqual(['phaser', 'torpedo']);
    expect(v.weapon).toEqual([0, 1, 0]);
    expect(v.hit).toEqual([1, 0, 1]);
    expect(v.targets).toEqual([0, 2]);
    expect(v.shields).toEqual([0, 100]);
    expect(v.hull).toEqual([200, 200]);
    expect(v.sections).toEqual([{ target: 0, id: 's1', shields: 0 }]);
  });
});

/** A keyframe's world without its seq counter (volleys number the events differently). */
function worldOf(s: WorldState): Omit<WorldState, 'nextSeq'> {
  const { nextSeq: _n, ...rest } = s;
  return rest;
}

describe('a battle compiled with volleys', () => {
  const def = getBattle('second-battle-of-deep-space-9');
  if (!def) throw new Error('battle missing');

  it('is the same battle: same world at every keyframe, same shots, same outcome, fewer events', { timeout: 120_000 }, () => {
    expect(def.volleys).toBeFalsy();
    // History focuses fire on a station's shield section, and its minefield strikes: both travel in volleys.
    const fires = compileBattle(def).timeline;
    const volleys = compileBattle({ ...def, volleys: true }).timeline;
    expect(volleys.events.some((e) => e.type === 'unit:fire')).toBe(false);
    const vs = volleys.events.filter((e) => e.type === 'unit:volley');
    expect(vs.some((e) => e.sections !== undefined)).toBe(true);
    // At most one volley per step.
    expect(new Set(vs.map((e) => e.t)).size).toBe(vs.length);
    // The same shots at the same times, in the same order.
    const strip = (s: ReturnType<typeof shotsIn>) => s.map(({ seq: _s, ...rest }) => rest);
    const shots = strip(shotsIn(volleys.events));
    expect(shots.length).toBeGreaterThan(1000);
    expect(shots).toEqual(strip(shotsIn(fires.events)));
    // The same world: every keyframe (all events up to it folded), and the outcome.
    expect(volleys.keyframes.length).toBe(fires.keyframes.length);
    for (let k = 0; k < fires.keyframes.length; k++) {
      expect(volleys.keyframes[k].t).toBe(fires.keyframes[k].t);
      expect(worldOf(volleys.keyframes[k].state)).toEqual(worldOf(fires.keyframes[k].state));
    }
    expect(worldOf(applyEvents(emptyWorld(), volleys.events))).toEqual(worldOf(applyEvents(emptyWorld(), fires.events)));
    expect(volleys.durationMs).toBe(fires.durationMs);
    expect(volleys.outcome).toEqual(fires.outcome);
    expect(volleys.forces).toEqual(fires.forces);
    // The other events are the same events (seq aside) in the same order.
    const others = (tl: typeof fires) =>
      tl.events.filter((e) => e.type !== 'unit:fire' && e.type !== 'unit:volley').map(({ seq: _s, ...rest }) => rest);
    expect(others(volleys)).toEqual(others(fires));
    expect(volleys.events.length).toBeLessThan(fires.events.length);
  });
});

describe('the step with volleys', () => {
  it('mine strikes and weapons fire of one step share its volley; the world is the same as with unit:fire', () => {
    const field = { id: 'mf', label: 'Mines', center: { x: 300, y: 300 }, radius: 50, workSeconds: 4, cloaked: true, side: 'blue' };
    const drive = (volleys: boolean) => {
      const def = defWith(
        [
          { group: 'layer', side: 'blue', cls: 'defiant', count: 2, at: { x: 300, y: 300 }, spread: 10 },
          { group: 'raid', side: 'red', cls: 'galor', count: 5, at: { x: 700, y: 300 }, spread: 20 },
        ],
        [field],
      );
      const d = new Driver({ ...def, volleys });
      d.order({ kind: 'layMines', group: 'layer', field: 'mf' });
      d.run(5_000);
      d.order({ kind: 'move', group: 'raid', to: { x: 300, y: 300 } });
      d.run(40_000);
      return d;
    };
    const fires = drive(false);
    const volleys = drive(true);
    expect(JSON.stringify(volleys.world)).toBe(JSON.stringify(fires.world));
    const strip = (s: ReturnType<typeof shotsIn>) => s.map(({ seq: _s, ...rest }) => rest);
    const shots = strip(shotsIn(volleys.events));
    expect(shots.filter((s) => s.from === 'mf').length).toBeGreaterThan(5);
    expect(shots.filter((s) => s.from !== 'mf').length).toBeGreaterThan(5);
    expect(shots).toEqual(strip(shotsIn(fires.events)));
    // A step where both mines and guns fired: one volley holds both.
    expect(volleys.ofType('unit:volley').some((v) => v.ids.includes('mf') && v.from.some((i) => v.ids[i] !== 'mf'))).toBe(true);
    expect(worldOf(applyEvents(emptyWorld(), volleys.events))).toEqual(worldOf(applyEvents(emptyWorld(), fires.events)));
  });
});
