import { describe, expect, it } from 'vitest';
import type { BattleEventBody } from '../../shared/battle/events.js';
import { step } from '../../replays/engine/sim/index.js';
import { dropHot } from '../../replays/engine/sim/hot.js';
import { defWith, Driver } from '../fixtures/worlds.js';

// The step passes over a unit none of whose weapons can come ready and owes it the cooldown decrements, made in
// order when the unit is next looked at or the world is synced. A world whose step arrays are dropped after every
// step (every unit looked at every step, nothing owed: the step as it was) must see the same battle, event for
// event, and end in the same JSON; so must one serialised after every step and one whose step size changes.

function battle() {
  const d = new Driver(
    defWith([
      { group: 'a', side: 'blue', cls: 'defiant', count: 12, at: { x: 300, y: 300 }, spread: 40 },
      { group: 'b', side: 'red', cls: 'jemhadar-attack-ship', count: 14, at: { x: 520, y: 320 }, spread: 50 },
    ]),
  );
  d.order({ kind: 'attack', group: 'a', target: 'side:red', range: 'close' });
  d.order({ kind: 'attack', group: 'b', target: 'side:blue', range: 'standoff' });
  return d;
}

function runSteps(d: Driver, ms: number, stepMs: number, after: () => void): BattleEventBody[] {
  const all: BattleEventBody[] = [];
  for (let t = 0; t < ms; t += stepMs) {
    const out: BattleEventBody[] = [];
    step(d.world, stepMs, out, false);
    all.push(...out);
    after();
  }
  return all;
}

describe('owed cooldowns', () => {
  it('make the same battle as looking at every unit every step', () => {
    const lazy = battle();
    const eager = battle();
    const a = [...runSteps(lazy, 20_000, 200, () => {}), ...runSteps(lazy, 6_000, 100, () => {})];
    const b = [...runSteps(eager, 20_000, 200, () => dropHot(eager.world)), ...runSteps(eager, 6_000, 100, () => dropHot(eager.world))];
    expect(a.filter((e) => e.type === 'unit:fire').length).toBeGreaterThan(50);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(lazy.world)).toBe(JSON.stringify(eager.world));
  });

  it('are settled when the world is serialised, and the run goes on the same', () => {
    const plain = battle();
    const synced = battle();
    const a = runSteps(plain, 20_000, 200, () => {});
    const snapshots: string[] = [];
    const b = runSteps(synced, 20_000, 200, () => snapshots.push(JSON.stringify(synced.world)));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(plain.world)).toBe(snapshots.at(-1));
  });
});
