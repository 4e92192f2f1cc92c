import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../shared/battle/reducer.js';
import { stateAt } from '../../shared/battle/seek.js';
import { emptyWorld } from '../../shared/battle/state.js';
import { battles } from '../../replays/index.js';
import { compileBattle, keyframeIntervalFor } from '../../replays/engine/compiler.js';

// Seeking (nearest keyframe + the events after it) must equal folding from zero, for every battle.

describe('seek over compiled battles', () => {
  for (const def of battles) {
    it(`${def.info.id}: stateAt equals folding from zero at random positions`, { timeout: 180_000 }, () => {
      const tl = compileBattle(def).timeline;
      // Large battles keep sparser keyframes (a seek folds more events after one); every branch of a battle alike.
      const atStart = tl.events.filter((e) => e.t === 0 && e.type === 'unit:spawn').length;
      expect(tl.keyframeIntervalMs).toBe(keyframeIntervalFor(atStart));
      expect(tl.keyframes.length).toBe(Math.floor(tl.durationMs / tl.keyframeIntervalMs) + 1);
      let x = 987654321;
      const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
      const positions = [0, tl.durationMs, ...Array.from({ length: 12 }, () => Math.floor(rnd() * tl.durationMs))];
      for (const ms of positions) {
        const expected = applyEvents(
          emptyWorld(),
          tl.events.filter((e) => e.t <= ms),
        );
        expect(stateAt(tl.events, tl.keyframes, ms), `at ${ms} ms`).toEqual(expected);
      }
      // A keyframe never holds an event from after its time.
      for (const kf of tl.keyframes) expect(kf.state.t).toBeLessThanOrEqual(kf.t);
    });
  }
});
