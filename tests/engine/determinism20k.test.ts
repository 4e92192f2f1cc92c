import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Issue #14: determinism across processes at 20,000 units. Two child processes compile the synthetic
// 5,000 vs 15,000 battle (tests/fixtures/bigBattle.ts) through its advance and first 40 s of fighting,
// where the step's arrays, grids and target search all work, and must print the same eventsSha256.

const run = promisify(execFile);
/** Playback compiled by each process: long enough for every group to be in the fight, short enough for CI. */
const DURATION_MS = 60_000;

interface BigCompile {
  eventsSha256: string;
  eventCount: number;
  durationMs: number;
  units: number;
}

async function compileInChild(): Promise<BigCompile> {
  const { stdout } = await run('npx', ['tsx', 'tests/fixtures/compileBigBattle.ts', String(DURATION_MS)], {
    maxBuffer: 1 << 20,
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as BigCompile;
}

describe('determinism across processes at 20,000 units', () => {
  it('two processes compile the synthetic 20k battle to the same events', { timeout: 300_000 }, async () => {
    const [a, b] = await Promise.all([compileInChild(), compileInChild()]);
    expect(a.units).toBe(20_000);
    expect(a.eventsSha256).toMatch(/^[0-9a-f]{64}$/);
    // The fight is on: far more events than the 20,000 spawns.
    expect(a.eventCount).toBeGreaterThan(100_000);
    expect(b).toEqual(a);
  });
});
