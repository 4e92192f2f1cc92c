// A uniform grid over unit positions for "nearest unit within r" queries, so target search costs
// O(units nearby) instead of O(all units). Rebuilt every step; one grid per side, so searching for
// enemies never wades through one's own fleet. Visit order is fixed, so results are deterministic.

const CELL = 50;
const CELL_SAMPLE = 12;
/** Sealed items are also boxed in runs of CHUNK (log2 CHUNK_BITS), so a scan skips a run wholly out of reach. */
const CHUNK_BITS = 3;
const CHUNK = 1 << CHUNK_BITS;

/**
 * Coarse "is any enemy near" map: for each side, how far (in coarse cells, Chebyshev) the nearest coarse cell
 * holding a targetable unit of another side is. A unit whose cell is farther than its own reach allows skips
 * the search altogether (most of a big battle is idle most of the time). Dense arrays over the occupied box,
 * kept from step to step: no Set or Map per step, no string keys.
 */
export class ThreatMap {
  static readonly CELL = 100;
  // Occupied coarse cells as added (side, cx, cy), then laid on a dense box at build().
  private es = new Int32Array(192);
  private n = 0;
  private lastSide = -1;
  private lastCx = NaN;
  private lastCy = NaN;
  private minCx = 0;
  private minCy = 0;
  private w = 0;
  private h = 0;
  private cap = 0;
  /** near[s]: per box cell, the Chebyshev distance (capped) to the nearest occupied cell of a side other than s. */
  private near: Int32Array[] = [];
  private own: Int32Array = new Int32Array(0);
  private present: boolean[] = [];

  reset(): void {
    this.n = 0;
    this.lastSide = -1;
  }

  add(side: number, x: number, y: number): void {
    const cx = Math.floor(x / ThreatMap.CELL);
    const cy = Math.floor(y / ThreatMap.CELL);
    // Units arrive group by group, mostly in the cell of the one before: skip the repeat.
    if (cx === this.lastCx && cy === this.lastCy && side === this.lastSide) return;
    this.lastCx = cx;
    this.lastCy = cy;
    this.lastSide = side;
    if (this.n + 3 > this.es.length) this.es = growInt(this.es);
    this.es[this.n++] = side;
    this.es[this.n++] = cx;
    this.es[this.n++] = cy;
  }

  /**
   * Build every side's distances for reach up to `range` (farther than floor(range / CELL) + 1 cells is "none").
   * `present[s]`: side s may ask (a side not present is never threatened).
   */
  build(present: readonly boolean[], range: number): void {
    const k = Math.floor(range / ThreatMap.CELL) + 1;
    const cap = k + 1;
    this.cap = cap;
    this.present = present as boolean[];
    const es = this.es;
    let minCx = Infinity;
    let maxCx = -Infinity;
    let minCy = Infinity;
    let maxCy = -Infinity;
    let sides = present.length;
    for (let e = 0; e < this.n; e += 3) {
      if (es[e] + 1 > sides) sides = es[e] + 1;
      if (es[e + 1] < minCx) minCx = es[e + 1];
      if (es[e + 1] > maxCx) maxCx = es[e + 1];
      if (es[e + 2] < minCy) minCy = es[e + 2];
      if (es[e + 2] > maxCy) maxCy = es[e + 2];
    }
    if (this.n === 0) {
      this.w = 0;
      this.h = 0;
      return;
    }
    this.minCx = minCx - k;
    this.minCy = minCy - k;
    const w = maxCx - minCx + 1 + 2 * k;
    const h = maxCy - minCy + 1 + 2 * k;
    this.w = w;
    this.h = h;
    const cells = w * h;
    // own[c]: distance to the nearest occupied cell of side s, per side, one box after another.
    if (this.own.length < cells * sides) this.own = new Int32Array(cells * sides);
    const own = this.own;
    own.fill(cap, 0, cells * sides);
    for (let e = 0; e < this.n; e += 3) own[es[e] * cells + (es[e + 1] - this.minCx) * h + (es[e + 2] - this.minCy)] = 0;
    for (let s = 0; s < sides; s++) chebyshev(own, s * cells, w, h);
    while (this.near.length < sides) this.near.push(new Int32Array(0));
    for (let s = 0; s < sides; s++) {
      if (!present[s]) continue;
      if (this.near[s].length < cells) this.near[s] = new Int32Array(cells);
      const out = this.near[s];
      out.fill(cap, 0, cells);
      for (let o = 0; o < sides; o++) {
        if (o === s) continue;
        const base = o * cells;
        for (let c = 0; c < cells; c++) if (own[base + c] < out[c]) out[c] = own[base + c];
      }
    }
  }

  /**
   * False when no targetable unit of another side can be within `reach` of (x, y) (reach at most build()'s
   * range). Exact as a filter: an enemy within reach is at most floor(reach / CELL) + 1 coarse cells away.
   */
  threatened(side: number, x: number, y: number, reach: number): boolean {
    if (!this.present[side]) return false;
    const cx = Math.floor(x / ThreatMap.CELL) - this.minCx;
    const cy = Math.floor(y / ThreatMap.CELL) - this.minCy;
    if (cx < 0 || cy < 0 || cx >= this.w || cy >= this.h) return false;
    const d = this.near[side][cx * this.h + cy];
    return d < this.cap && d <= Math.floor(reach / ThreatMap.CELL) + 1;
  }
}

/** Chebyshev distance transform in place (two passes, eight neighbours, unit steps: exact for that metric). */
function chebyshev(a: Int32Array, base: number, w: number, h: number): void {
  const at = (x: number, y: number) => base + x * h + y;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const c = at(x, y);
      let d = a[c];
      if (d === 0) continue;
      if (y > 0 && a[c - 1] + 1 < d) d = a[c - 1] + 1;
      if (x > 0) {
        const l = c - h;
        if (a[l] + 1 < d) d = a[l] + 1;
        if (y > 0 && a[l - 1] + 1 < d) d = a[l - 1] + 1;
        if (y < h - 1 && a[l + 1] + 1 < d) d = a[l + 1] + 1;
      }
      a[c] = d;
    }
  }
  for (let x = w - 1; x >= 0; x--) {
    for (let y = h - 1; y >= 0; y--) {
      const c = at(x, y);
      let d = a[c];
      if (d === 0) continue;
      if (y < h - 1 && a[c + 1] + 1 < d) d = a[c + 1] + 1;
      if (x < w - 1) {
        const r = c + h;
        if (a[r] + 1 < d) d = a[r] + 1;
        if (y > 0 && a[r - 1] + 1 < d) d = a[r - 1] + 1;
        if (y < h - 1 && a[r + 1] + 1 < d) d = a[r + 1] + 1;
      }
      a[c] = d;
    }
  }
}

export class Grid {
  // Built in two phases: add() appends (index, cell, position); the first query seals them into a dense
  // cell table over the occupied bounds (counting sort, so each cell keeps insertion order). Same
  // cells, same order as a Map of lists, without a hash lookup per visited cell or a list per cell.
  // Sealing also lays the positions out in cell order and takes each cell's bounding box: a search skips
  // a cell when the box is out of reach, and reads a cell's positions in one run.
  // reset() keeps the buffers, so one grid per side serves every step without new allocations.
  private idx = new Int32Array(64);
  private cxs = new Int32Array(64);
  private cys = new Int32Array(64);
  private xs = new Float64Array(64);
  private ys = new Float64Array(64);
  private cell = new Int32Array(64);
  private sealed = false;
  private w = 0;
  /** start[c]..start[c+1] is the slice of `items` (and itemX, itemY) in cell c (c = (cx - minCx) * h + (cy - minCy)). */
  private start: Int32Array = new Int32Array(1);
  private fill: Int32Array = new Int32Array(1);
  private items: Int32Array = new Int32Array(64);
  private itemX: Float64Array = new Float64Array(64);
  private itemY: Float64Array = new Float64Array(64);
  /** Bounding box of each cell's positions (set for non-empty cells only). */
  private boxX0: Float64Array = new Float64Array(1);
  private boxX1: Float64Array = new Float64Array(1);
  private boxY0: Float64Array = new Float64Array(1);
  private boxY1: Float64Array = new Float64Array(1);
  /** Bounding box of each run of CHUNK sealed items (items CHUNK * q .. CHUNK * q + CHUNK - 1, cells regardless). */
  private runX0: Float64Array = new Float64Array(8);
  private runX1: Float64Array = new Float64Array(8);
  private runY0: Float64Array = new Float64Array(8);
  private runY1: Float64Array = new Float64Array(8);
  /** Summed-area table of cell counts: sat[(x + 1) * (h + 1) + y + 1] = units in box columns <= x, rows <= y. */
  private sat: Int32Array = new Int32Array(1);
  private h = 0;
  private minCx = Infinity;
  private maxCx = -Infinity;
  private minCy = Infinity;
  private maxCy = -Infinity;
  size = 0;

  reset(): void {
    this.size = 0;
    this.sealed = false;
    this.minCx = Infinity;
    this.maxCx = -Infinity;
    this.minCy = Infinity;
    this.maxCy = -Infinity;
  }

  add(i: number, x: number, y: number): void {
    const cx = Math.floor(x / CELL);
    const cy = Math.floor(y / CELL);
    const n = this.size;
    if (n === this.idx.length) {
      this.idx = growInt(this.idx);
      this.cxs = growInt(this.cxs);
      this.cys = growInt(this.cys);
      this.xs = growFloat(this.xs);
      this.ys = growFloat(this.ys);
    }
    this.idx[n] = i;
    this.cxs[n] = cx;
    this.cys[n] = cy;
    this.xs[n] = x;
    this.ys[n] = y;
    this.sealed = false;
    this.size = n + 1;
    if (cx < this.minCx) this.minCx = cx;
    if (cx > this.maxCx) this.maxCx = cx;
    if (cy < this.minCy) this.minCy = cy;
    if (cy > this.maxCy) this.maxCy = cy;
  }

  private seal(): void {
    this.sealed = true;
    this.w = this.maxCx - this.minCx + 1;
    this.h = this.maxCy - this.minCy + 1;
    const cells = this.w * this.h;
    if (this.start.length < cells + 1) {
      this.start = new Int32Array(cells + 1);
      this.fill = new Int32Array(cells + 1);
      this.boxX0 = new Float64Array(cells);
      this.boxX1 = new Float64Array(cells);
      this.boxY0 = new Float64Array(cells);
      this.boxY1 = new Float64Array(cells);
    } else this.start.fill(0, 0, cells + 1);
    const start = this.start;
    const n = this.size;
    const cap = this.idx.length;
    if (this.cell.length < n) this.cell = new Int32Array(cap);
    if (this.items.length < n) {
      this.items = new Int32Array(cap);
      this.itemX = new Float64Array(cap);
      this.itemY = new Float64Array(cap);
    }
    const { cell, cxs, cys, xs, ys, boxX0, boxX1, boxY0, boxY1 } = this;
    for (let k = 0; k < n; k++) {
      const c = (cxs[k] - this.minCx) * this.h + (cys[k] - this.minCy);
      cell[k] = c;
      const x = xs[k];
      const y = ys[k];
      if (start[c + 1]++ === 0) {
        boxX0[c] = x;
        boxX1[c] = x;
        boxY0[c] = y;
        boxY1[c] = y;
      } else {
        if (x < boxX0[c]) boxX0[c] = x;
        if (x > boxX1[c]) boxX1[c] = x;
        if (y < boxY0[c]) boxY0[c] = y;
        if (y > boxY1[c]) boxY1[c] = y;
      }
    }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fill = this.fill;
    fill.set(start.subarray(0, cells));
    const { items, itemX, itemY, idx } = this;
    for (let k = 0; k < n; k++) {
      const at = fill[cell[k]]++;
      items[at] = idx[k];
      itemX[at] = xs[k];
      itemY[at] = ys[k];
    }
    const runs = (n + CHUNK - 1) >> CHUNK_BITS;
    if (this.runX0.length < runs) {
      const size = (cap + CHUNK - 1) >> CHUNK_BITS;
      this.runX0 = new Float64Array(size);
      this.runX1 = new Float64Array(size);
      this.runY0 = new Float64Array(size);
      this.runY1 = new Float64Array(size);
    }
    const { runX0, runX1, runY0, runY1 } = this;
    for (let q = 0; q < runs; q++) {
      const a = q << CHUNK_BITS;
      const b = Math.min(a + CHUNK, n);
      let x0 = itemX[a];
      let x1 = x0;
      let y0 = itemY[a];
      let y1 = y0;
      for (let k = a + 1; k < b; k++) {
        const x = itemX[k];
        const y = itemY[k];
        if (x < x0) x0 = x;
        else if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        else if (y > y1) y1 = y;
      }
      runX0[q] = x0;
      runX1[q] = x1;
      runY0[q] = y0;
      runY1[q] = y1;
    }
    // The summed-area table lets a search skip an empty ring, column or row (or a whole empty reach) in O(1).
    const h1 = this.h + 1;
    const satCells = (this.w + 1) * h1;
    if (this.sat.length < satCells) this.sat = new Int32Array(satCells);
    const sat = this.sat;
    sat.fill(0, 0, h1);
    for (let x = 0; x < this.w; x++) {
      const col = x * this.h;
      const base = start[col];
      const prev = x * h1;
      const cur = prev + h1;
      sat[cur] = 0;
      for (let y = 0; y < this.h; y++) sat[cur + y + 1] = sat[prev + y + 1] + (start[col + y + 1] - base);
    }
  }

  /** Units in the cells cx0..cx1, cy0..cy1 (absolute cell coordinates, clipped to the occupied box). */
  private count(cx0: number, cx1: number, cy0: number, cy1: number): number {
    const x0 = Math.max(cx0, this.minCx) - this.minCx;
    const x1 = Math.min(cx1, this.maxCx) - this.minCx;
    const y0 = Math.max(cy0, this.minCy) - this.minCy;
    const y1 = Math.min(cy1, this.maxCy) - this.minCy;
    if (x0 > x1 || y0 > y1) return 0;
    const h1 = this.h + 1;
    const sat = this.sat;
    return sat[(x1 + 1) * h1 + y1 + 1] - sat[x0 * h1 + y1 + 1] - sat[(x1 + 1) * h1 + y0] + sat[x0 * h1 + y0];
  }

  /** Squared distance of the index the last nearest() returned (when it returned one). */
  d2 = Infinity;

  /**
   * Nearest index within maxR of (x, y) that is targetable (tgt[i]) and not of side `own` (pass -1 when
   * the grid holds no unit of that side), or -1; improves on the best so far `bi` at squared distance `bd`
   * (pass -1, Infinity to start). The answer's squared distance is left in `d2`. Positions are those given
   * to add() (the step's positions, which do not change while it runs).
   */
  nearest(x: number, y: number, maxR: number, tgt: Uint8Array, sideOf: Int8Array, own: number, bi: number, bd: number): number {
    this.d2 = bd;
    if (this.size === 0) return bi;
    if (!this.sealed) this.seal();
    const { start, items, itemX, itemY, boxX0, boxX1, boxY0, boxY1, runX0, runX1, runY0, runY1, h, minCx, maxCx, minCy, maxCy } = this;
    const cx0 = Math.floor(x / CELL);
    const cy0 = Math.floor(y / CELL);
    const maxR2 = maxR * maxR;
    // Only cells meeting the box around the reach (1 map unit wider than it, against rounding) can hold a unit
    // within maxR: the rings are clipped to it, and when it holds no unit there is nothing to find.
    const xLo = Math.max(minCx, Math.floor((x - maxR - 1) / CELL));
    const xHi = Math.min(maxCx, Math.floor((x + maxR + 1) / CELL));
    const yLo = Math.max(minCy, Math.floor((y - maxR - 1) / CELL));
    const yHi = Math.min(maxCy, Math.floor((y + maxR + 1) / CELL));
    if (xLo > xHi || yLo > yHi || this.count(xLo, xHi, yLo, yHi) === 0) return bi;
    // Empty parts of a ring are skipped (the summed-area table); the cells visited keep their order.
    for (let k = 0; ; k++) {
      const lower = (k - 1) * CELL;
      if (lower > maxR) break;
      if (bi >= 0 && lower > 0 && lower * lower > bd) break;
      // Ring k lies outside the clipped box once ring k - 1 covers it.
      if (k > 0 && cx0 - k + 1 <= xLo && cx0 + k - 1 >= xHi && cy0 - k + 1 <= yLo && cy0 + k - 1 >= yHi) break;
      const xa = Math.max(cx0 - k, xLo);
      const xb = Math.min(cx0 + k, xHi);
      const lo = Math.max(cy0 - k, yLo);
      const hi = Math.min(cy0 + k, yHi);
      if (xa > xb || lo > hi) continue;
      let top = false;
      let bottom = false;
      if (k > 0) {
        // The ring within the box: the box's part of square k less its part of square k - 1.
        const ia = Math.max(cx0 - k + 1, xLo);
        const ib = Math.min(cx0 + k - 1, xHi);
        const inLo = Math.max(cy0 - k + 1, yLo);
        const inHi = Math.min(cy0 + k - 1, yHi);
        const inside = ia > ib || inLo > inHi ? 0 : this.count(ia, ib, inLo, inHi);
        if (this.count(xa, xb, lo, hi) === inside) continue;
        top = cy0 - k >= yLo && cy0 - k <= yHi && ia <= ib && this.count(ia, ib, cy0 - k, cy0 - k) > 0;
        bottom = cy0 + k >= yLo && cy0 + k <= yHi && ia <= ib && this.count(ia, ib, cy0 + k, cy0 + k) > 0;
      }
      for (let cx = xa; cx <= xb; cx++) {
        const edgeX = cx === cx0 - k || cx === cx0 + k;
        const col = (cx - minCx) * h - minCy;
        let cy = lo;
        let last = hi;
        let stepY = 1;
        if (edgeX) {
          if (start[col + hi + 1] === start[col + lo]) continue;
        } else {
          // An inner column: its cells on the ring are the top (cy0 - k) and the bottom (cy0 + k) one.
          if (!top && !bottom) continue;
          cy = top ? cy0 - k : cy0 + k;
          last = bottom ? cy0 + k : cy0 - k;
          stepY = 2 * k;
        }
        for (; cy <= last; cy += stepY) {
          const c = col + cy;
          const end = start[c + 1];
          if (end === start[c]) continue;
          // Skip a cell none of whose units could be taken: its bounding box is out of range, or farther than the
          // best so far (ties go to the lower index, so only a strictly farther box is skipped). Exact: no unit in
          // the box is nearer than the box (rounding is monotonic), so the scan below would pass over each of them.
          const gx = boxX0[c] > x ? boxX0[c] - x : x > boxX1[c] ? x - boxX1[c] : 0;
          const gy = boxY0[c] > y ? boxY0[c] - y : y > boxY1[c] ? y - boxY1[c] : 0;
          const g2 = gx * gx + gy * gy;
          if (g2 > maxR2 || (bi >= 0 && g2 > bd)) continue;
          // Look at no more than CELL_SAMPLE eligible units of a crowded cell: in a dense fleet the
          // nearest of a sample is as good a target as the exact nearest, and search stays bounded.
          // A run of items whose box is out of range holds no eligible unit (the same bound as the cell's box), so
          // skipping it changes neither the sample nor the answer.
          let eligible = 0;
          for (let n = start[c]; n < end && eligible < CELL_SAMPLE; ) {
            const q = n >> CHUNK_BITS;
            const stop = Math.min((q + 1) << CHUNK_BITS, end);
            if (end - start[c] > CHUNK) {
              const rx = runX0[q] > x ? runX0[q] - x : x > runX1[q] ? x - runX1[q] : 0;
              const ry = runY0[q] > y ? runY0[q] - y : y > runY1[q] ? y - runY1[q] : 0;
              if (rx * rx + ry * ry > maxR2) {
                n = stop;
                continue;
              }
            }
            for (; n < stop && eligible < CELL_SAMPLE; n++) {
              const dx = itemX[n] - x;
              const dy = itemY[n] - y;
              const d2 = dx * dx + dy * dy;
              if (d2 > maxR2) continue;
              const i = items[n];
              if (tgt[i] === 0 || sideOf[i] === own) continue;
              eligible++;
              if (bi >= 0 && (d2 > bd || (d2 === bd && i >= bi))) continue;
              bi = i;
              bd = d2;
            }
          }
        }
      }
    }
    this.d2 = bd;
    return bi;
  }
}

function growInt(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
