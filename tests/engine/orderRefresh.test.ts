import { describe, expect, it } from 'vitest';
import type { BattleEventBody } from '../../shared/battle/events.js';
import type { Order } from '../../replays/engine/types.js';
import { plainJsonInPlace } from '../../replays/engine/jsonClone.js';
import { applyOrder, cloneWorld, step, type SimWorld } from '../../replays/engine/sim/index.js';
import { dropHot, hotOf, rereadHot, syncHot, type Hot } from '../../replays/engine/sim/hot.js';
import { defWith, Driver } from '../fixtures/worlds.js';

// An order that adds no unit and changes no group's members re-reads the units it changed into the step's arrays
// (touchHot) instead of dropping them: the arrays must hold what a rebuild from the objects would, and the battle
// must be the one a world rebuilt after every order sees, event for event. A checkpoint's world, synced and made plain
// JSON in place, reads every unit back into its arrays (rereadHot) the same way.

function battle(): Driver {
  return new Driver(
    defWith(
      [
        { group: 'a', side: 'blue', cls: 'defiant', count: 10, at: { x: 300, y: 300 }, spread: 40 },
        { group: 'b', side: 'red', cls: 'jemhadar-attack-ship', count: 12, at: { x: 560, y: 320 }, spread: 50 },
        { group: 'c', side: 'red', cls: 'galor', count: 6, at: { x: 620, y: 420 }, spread: 30 },
      ],
      [{ id: 'f', label: 'Field', center: { x: 500, y: 520 }, radius: 80, workSeconds: 30, cloaked: false, side: 'red' }],
    ),
  );
}

/** Every light order kind, at the step it is given (ms). */
const script: [number, Order][] = [
  [0, { kind: 'attack', group: 'a', target: 'side:red', range: 'close' }],
  [0, { kind: 'attack', group: 'b', target: 'side:blue', range: 'standoff' }],
  [0, { kind: 'hold', group: 'c' }],
  [3_000, { kind: 'move', group: 'c', to: { x: 400, y: 500 } }],
  [4_000, { kind: 'layMines', group: 'c', field: 'f' }],
  [5_000, { kind: 'status', group: 'b', status: 'cloaked', reason: 'cloak' }],
  [6_000, { kind: 'ceasefire', active: true }],
  [7_000, { kind: 'ceasefire', active: false }],
  [7_000, { kind: 'status', group: 'b', status: 'active', reason: 'decloak' }],
  [8_000, { kind: 'attack', group: 'c', target: 'a', range: 'pointblank' }],
  [10_000, { kind: 'side', group: 'c', side: 'blue' }],
  [10_000, { kind: 'attack', group: 'c', target: 'side:red' }],
  [12_000, { kind: 'progress', counter: 'k', ratePerSec: 1, group: 'a' }],
  [14_000, { kind: 'retreat', group: 'b', to: { x: 950, y: 650 } }],
  [16_000, { kind: 'move', group: 'a', to: { x: 700, y: 400 }, speed: 20 }],
  [18_000, { kind: 'surrender', side: 'red' }],
];

/** Runs the script; `after` sees the world after each order. */
function play(d: Driver, after: (w: SimWorld) => void): BattleEventBody[] {
  const all: BattleEventBody[] = [];
  for (let t = 0; t < 21_000; t += 200) {
    for (const [at, o] of script) {
      if (at !== t) continue;
      applyOrder(d.world, o, all);
      after(d.world);
    }
    step(d.world, 200, all, false);
  }
  return all;
}

/** -0 spelled out (toEqual would not tell it from 0; JSON would make it 0, and Math.atan2 tells them apart). */
const signed = (v: number) => (Object.is(v, -0) ? '-0' : v);

/** The step's arrays that follow the unit objects (cooldowns aside), as plain values. */
function arraysOf(hot: Hot): Record<string, unknown> {
  const dest = [...hot.hasDest].map((h, i) => (h ? [hot.destX[i], hot.destY[i]] : null));
  const { x0, y0, vx, vy, t0, side, living, tgt, active, moves, cruise, replanT, speed, target, hullF, shieldF, expire } = hot;
  const plain = { x0, y0, vx, vy, t0, side, living, tgt, active, moves, cruise, replanT, speed, target, hullF, shieldF, expire };
  return {
    ...Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, [...v].map(signed)])),
    dest,
    sides: hot.sides.slice(0, Math.max(...side) + 1),
    order: hot.order.map((o) => JSON.stringify(o)),
  };
}

describe('orders that re-read their units into the step arrays', () => {
  it('leave the arrays as a rebuild from the objects would', () => {
    const d = battle();
    let checked = 0;
    play(d, (w) => {
      const hot = hotOf(w);
      // A copy of the world (cooldowns synced) builds its arrays from its objects.
      expect(arraysOf(hot)).toEqual(arraysOf(hotOf(cloneWorld(w))));
      checked++;
    });
    expect(checked).toBe(script.length);
  });

  it('make the same battle as a world rebuilt after every order', () => {
    const touched = battle();
    const rebuilt = battle();
    const a = play(touched, () => {});
    const b = play(rebuilt, (w) => dropHot(w));
    expect(a.filter((e) => e.type === 'unit:fire').length).toBeGreaterThan(50);
    expect(a.filter((e) => e.type === 'unit:status').length).toBeGreaterThan(10);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(touched.world)).toBe(JSON.stringify(rebuilt.world));
  });

  it('after a sync and -0s made 0 in the objects, hold what a rebuild would, cooldowns included', () => {
    const d = battle();
    play(d, () => {});
    const w = d.world;
    const hot = hotOf(w);
    // Cooldowns running in the store, and -0s where a course or a position could hold them.
    expect([...hot.cd].some((c) => c > 0)).toBe(true);
    syncHot(w);
    for (const [k, u] of w.units.slice(0, 6).entries()) {
      u.vel = { x: -0, y: u.vel.y };
      u.pos = { x: u.pos.x, y: -0 };
      hot.vx[k] = -0;
      hot.y0[k] = -0;
    }
    expect(plainJsonInPlace(w)).toBe(true);
    rereadHot(w);
    expect(hotOf(w)).toBe(hot);
    const fresh = hotOf(cloneWorld(w));
    expect(arraysOf(hot)).toEqual(arraysOf(fresh));
    expect([...hot.cd]).toEqual([...fresh.cd]);
    expect([...hot.pend].every((m) => m === 0)).toBe(true);
  });
});
