import { describe, expect, it } from 'vitest';
import { cloneJson, cloneJsonInSlices } from '../../replays/engine/jsonClone.js';

// The copy made a slice at a time must be the copy made at once (key order included), and must stop when asked.

const world = () => ({
  t: 1200,
  units: Array.from({ length: 2_500 }, (_, i) => ({ id: `u${i}`, pos: { x: i, y: -i }, tags: ['a', i % 2 ? 'b' : 'c'] })),
  groups: { g1: Array.from({ length: 1_500 }, (_, i) => `u${i}`), g2: ['u1'] },
  reserves: { late: Array.from({ length: 1_200 }, (_, i) => ({ id: `r${i}`, hull: 0.5 })) },
  byId: Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`k${i}`, { n: i }])),
  rng: { s: [1, 2, 3, 4] },
  ended: null,
});

describe('cloneJsonInSlices', () => {
  it('builds what cloneJson builds, pausing between slices of large containers', async () => {
    const src = world();
    let pauses = 0;
    const sliced = await cloneJsonInSlices(src, async () => ++pauses > 0, 1000);
    expect(JSON.stringify(sliced)).toBe(JSON.stringify(cloneJson(src)));
    expect(sliced).not.toBe(src);
    expect(sliced?.units[0]).not.toBe(src.units[0]); // deep
    // 2,500 units + 1,500 ids + 1,200 reserves + 1,100 keys = 6,300 elements: a pause every 1,000.
    expect(pauses).toBe(6);
  });

  it('gives up (null) when a pause says so', async () => {
    let pauses = 0;
    expect(await cloneJsonInSlices(world(), async () => ++pauses < 2, 1000)).toBeNull();
    expect(pauses).toBe(2);
  });
});
