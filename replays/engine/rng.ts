import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

// The simulation's only source of chance. The generator state is a plain number[] kept in the world,
// so a snapshot of the world is also a snapshot of the dice.

export type RngState = number[];

export function seedRng(seed: number): RngState {
  return [...xoroshiro128plus(seed | 0).getState()];
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/** Run fn with a generator restored from state; returns the advanced state. */
export function withRng<T>(state: RngState, fn: (rng: Rng) => T): { value: T; state: RngState } {
  const gen = xoroshiro128plusFromState(state);
  const value = fn({ next: () => uniformFloat64(gen) });
  return { value, state: [...gen.getState()] };
}
