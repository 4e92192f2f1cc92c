import { describe, expect, it } from 'vitest';
import { Grid } from '../../replays/engine/sim/grid.js';

// Grid.nearest against its definition, brute force: over every cell, the first CELL_SAMPLE eligible units in the
// order they were added (within maxR, targetable, not of side `own`), the nearest of them, ties to the lower index,
// improving on the best so far given. The search's skipping (empty rings, columns, reach boxes, runs of items out
// of range) must never change the answer: the timeline's bytes depend on it.

const CELL = 50;
const CELL_SAMPLE = 12;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Layout {
  idx: number[];
  xs: number[];
  ys: number[];
  tgt: Uint8Array;
  side: Int8Array;
}

function layout(seed: number, n: number): Layout {
  const r = rng(seed);
  const idx: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  // Dense formations (many units a cell, so runs and the sample matter) and scattered units over a wide box.
  for (let k = 0; k < n; k++) {
    const dense = k % 3 !== 0;
    const cx = dense ? 400 + Math.floor(k / 40) * 37 : 0;
    const cy = dense ? 300 + (Math.floor(k / 40) % 5) * 23 : 0;
    xs.push(dense ? cx + r() * 30 - 15 : r() * 2000 - 500);
    ys.push(dense ? cy + r() * 30 - 15 : r() * 1400 - 300);
    idx.push((k * 7919) % n);
  }
  const tgt = new Uint8Array(n);
  const side = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    tgt[i] = r() < 0.9 ? 1 : 0;
    side[i] = r() < 0.2 ? 0 : 1;
  }
  return { idx, xs, ys, tgt, side };
}

function reference(l: Layout, x: number, y: number, maxR: number, own: number, bi: number, bd: number): { i: number; d2: number } {
  const cells = new Map<string, number[]>();
  for (let k = 0; k < l.idx.length; k++) {
    const key = `${Math.floor(l.xs[k] / CELL)},${Math.floor(l.ys[k] / CELL)}`;
    const list = cells.get(key) ?? [];
    list.push(k);
    cells.set(key, list);
  }
  const maxR2 = maxR * maxR;
  for (const list of cells.values()) {
    let eligible = 0;
    for (const k of list) {
      if (eligible >= CELL_SAMPLE) break;
      const dx = l.xs[k] - x;
      const dy = l.ys[k] - y;
      const d2 = dx * dx + dy * dy;
      if (d2 > maxR2) continue;
      const i = l.idx[k];
      if (l.tgt[i] === 0 || l.side[i] === own) continue;
      eligible++;
      if (bi >= 0 && (d2 > bd || (d2 === bd && i >= bi))) continue;
      bi = i;
      bd = d2;
    }
  }
  return { i: bi, d2: bd };
}

describe('Grid.nearest', () => {
  it('finds what a search of every cell finds, for reaches near and far, from inside and outside the occupied box', () => {
    for (const seed of [1, 2, 3]) {
      const l = layout(seed, 900);
      const grid = new Grid();
      for (let k = 0; k < l.idx.length; k++) grid.add(l.idx[k], l.xs[k], l.ys[k]);
      const r = rng(seed + 100);
      let found = 0;
      for (let q = 0; q < 600; q++) {
        const near = q % 2 === 0;
        const x = near ? 380 + r() * 500 : r() * 3000 - 1000;
        const y = near ? 280 + r() * 200 : r() * 2200 - 700;
        const maxR = [Infinity, 20, 50, 75, 100, 140, 260][q % 7];
        const own = q % 3 === 0 ? -1 : q % 2;
        // Sometimes a best so far to improve on (as nearestEnemy passes from one side's grid to the next).
        const bi = q % 5 === 0 ? l.idx[q % l.idx.length] : -1;
        const bd = bi >= 0 ? r() * 5000 : Infinity;
        const want = reference(l, x, y, maxR, own, bi, bd);
        const got = grid.nearest(x, y, maxR, l.tgt, l.side, own, bi, bd);
        expect({ i: got, d2: grid.d2 }, `seed ${seed} query ${q}`).toEqual(want);
        if (got >= 0 && got !== bi) found++;
      }
      // The queries do find units (not a test of empty answers only).
      expect(found).toBeGreaterThan(100);
    }
  });

  it('gives the same answers after a reset and a new set of units (buffers reused)', () => {
    const grid = new Grid();
    for (const seed of [7, 8]) {
      grid.reset();
      const l = layout(seed, 500 + seed * 50);
      for (let k = 0; k < l.idx.length; k++) grid.add(l.idx[k], l.xs[k], l.ys[k]);
      const r = rng(seed);
      for (let q = 0; q < 200; q++) {
        const x = r() * 1600 - 200;
        const y = r() * 1000 - 200;
        const want = reference(l, x, y, 120, -1, -1, Infinity);
        expect(grid.nearest(x, y, 120, l.tgt, l.side, -1, -1, Infinity)).toBe(want.i);
      }
    }
  });
});
