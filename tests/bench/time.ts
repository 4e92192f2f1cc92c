import { performance } from 'node:perf_hooks';

// Time for benches, their child processes included (no server imports here: a viewer host loads this too).

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with other processes' `now()`). */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));
