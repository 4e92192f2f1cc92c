// A uniform grid over unit positions for "nearest unit within r" queries, so target search costs
// O(units nearby) instead of O(all units). Rebuilt every step; one grid per side, so searching for
// enemies never wades through one's own fleet. Visit order is fixed, so results are deterministic.

const CELL = 50;
const OFF = 32768;
const CELL_SAMPLE = 12;
/** Cell distances are taken this much short of the true gap (floor(x / CELL) may round a unit into the next cell). */
const SLACK = 1e-6;

function key(cx: number, cy: number): number {
  return (cx + OFF) * 65536 + (cy + OFF);
}

/**
 * Coarse "is any enemy near" map: for each side, the coarse cells within reach of a unit of another
 * side. Idle units outside it skip the search altogether (most of a big battle is idle most of the time).
 */
export class ThreatMap {
  static readonly CELL = 100;
  private occupied = new Map<string, Set<number>>();
  private threat = new Map<string, Set<number>>();

  static key(x: number, y: number): number {
    return key(Math.floor(x / ThreatMap.CELL), Math.floor(y / ThreatMap.CELL));
  }

  private lastSide = '';
  private lastKey = NaN;

  add(side: string, x: number, y: number): void {
    const k = ThreatMap.key(x, y);
    // Units arrive group by group, mostly in the cell of the one before: skip the repeat Set insert.
    if (k === this.lastKey && side === this.lastSide) return;
    this.lastKey = k;
    this.lastSide = side;
    let set = this.occupied.get(side);
    if (!set) this.occupied.set(side, (set = new Set()));
    set.add(k);
  }

  /** Build the threatened cells of every side for reach `range`. */
  build(sides: readonly string[], range: number): void {
    const k = Math.floor(range / ThreatMap.CELL) + 1;
    for (const side of sides) {
      const out = new Set<number>();
      for (const [other, cells] of this.occupied) {
        if (other === side) continue;
        for (const c of cells) {
          const cx = Math.floor(c / 65536) - OFF;
          const cy = (c % 65536) - OFF;
          for (let dx = -k; dx <= k; dx++) for (let dy = -k; dy <= k; dy++) out.add(key(cx + dx, cy + dy));
        }
      }
      this.threat.set(side, out);
    }
  }

  /** False when no unit of another side can be within `range` of (x, y). */
  threatened(side: string, x: number, y: number): boolean {
    return this.threat.get(side)?.has(ThreatMap.key(x, y)) ?? false;
  }
}

export interface Hit {
  i: number;
  d2: number;
}

export class Grid {
  // Built in two phases: add() appends (index, cell) pairs; the first query seals them into a dense
  // cell table over the occupied bounds (counting sort, so each cell keeps insertion order). Same
  // cells, same order as a Map of lists, without a hash lookup per visited cell or a list per cell.
  // reset() keeps the buffers, so one grid per side serves every step without new allocations.
  private idx = new Int32Array(64);
  private cxs = new Int32Array(64);
  private cys = new Int32Array(64);
  private cell = new Int32Array(64);
  private sealed = false;
  private w = 0;
  /** start[c]..start[c+1] is the slice of `items` in cell c (c = (cx - minCx) * h + (cy - minCy)). */
  private start: Int32Array = new Int32Array(1);
  private fill: Int32Array = new Int32Array(1);
  private items: Int32Array = new Int32Array(64);
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
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.idx = grow(this.idx);
      this.cxs = grow(this.cxs);
      this.cys = grow(this.cys);
    }
    this.idx[n] = i;
    this.cxs[n] = cx;
    this.cys[n] = cy;
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
    } else this.start.fill(0, 0, cells + 1);
    const start = this.start;
    const n = this.size;
    if (this.cell.length < n) this.cell = new Int32Array(this.idx.length);
    if (this.items.length < n) this.items = new Int32Array(this.idx.length);
    const cell = this.cell;
    for (let k = 0; k < n; k++) {
      const c = (this.cxs[k] - this.minCx) * this.h + (this.cys[k] - this.minCy);
      cell[k] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < cells; c++) start[c + 1] += start[c];
    const fill = this.fill;
    fill.set(start.subarray(0, cells));
    const items = this.items;
    for (let k = 0; k < n; k++) items[fill[cell[k]]++] = this.idx[k];
  }

  /**
   * Nearest index within maxR of (x, y) that is targetable (tgt[i]) and not of side `own` (pass -1 when
   * the grid holds no unit of that side); improves on `best` (pass null to start).
   */
  nearest(
    x: number,
    y: number,
    maxR: number,
    px: Float64Array,
    py: Float64Array,
    tgt: Uint8Array,
    sideOf: Int8Array,
    own: number,
    best: Hit | null,
  ): Hit | null {
    if (this.size === 0) return best;
    if (!this.sealed) this.seal();
    const { start, items, h, minCx, maxCx, minCy, maxCy } = this;
    const cx0 = Math.floor(x / CELL);
    const cy0 = Math.floor(y / CELL);
    const maxR2 = maxR * maxR;
    let bi = best ? best.i : -1;
    let bd = best ? best.d2 : Infinity;
    for (let k = 0; ; k++) {
      const lower = (k - 1) * CELL;
      if (lower > maxR) break;
      if (bi >= 0 && lower > 0 && lower * lower > bd) break;
      if (cx0 - k < minCx && cx0 + k > maxCx && cy0 - k < minCy && cy0 + k > maxCy) break;
      for (let cx = cx0 - k; cx <= cx0 + k; cx++) {
        if (cx < minCx || cx > maxCx) continue;
        const edgeX = cx === cx0 - k || cx === cx0 + k;
        const stepY = edgeX ? 1 : 2 * k;
        const col = (cx - minCx) * h - minCy;
        // The cell column's distance from x (0 inside it), a little short so rounding never makes it long.
        const gx = cx < cx0 ? x - (cx + 1) * CELL - SLACK : cx > cx0 ? cx * CELL - x - SLACK : 0;
        const gx2 = gx > 0 ? gx * gx : 0;
        for (let cy = cy0 - k; cy <= cy0 + k; cy += stepY || 1) {
          if (cy < minCy || cy > maxCy) continue;
          const c = col + cy;
          const end = start[c + 1];
          if (end === start[c]) continue;
          // Skip a cell none of whose units could be taken: every one is out of range, or farther than the
          // best so far (ties go to the lower index, so only a strictly farther cell is skipped). Exact: the
          // scan below would pass over each of them.
          if (k > 0) {
            const gy = cy < cy0 ? y - (cy + 1) * CELL - SLACK : cy > cy0 ? cy * CELL - y - SLACK : 0;
            const g2 = gx2 + (gy > 0 ? gy * gy : 0);
            if (g2 > maxR2 || (bi >= 0 && g2 > bd)) continue;
          }
          // Look at no more than CELL_SAMPLE eligible units of a crowded cell: in a dense fleet the
          // nearest of a sample is as good a target as the exact nearest, and search stays bounded.
          let eligible = 0;
          for (let n = start[c]; n < end && eligible < CELL_SAMPLE; n++) {
            const i = items[n];
            const dx = px[i] - x;
            const dy = py[i] - y;
            const d2 = dx * dx + dy * dy;
            if (d2 > maxR2) continue;
            if (tgt[i] === 0 || sideOf[i] === own) continue;
            eligible++;
            if (bi >= 0 && (d2 > bd || (d2 === bd && i >= bi))) continue;
            bi = i;
            bd = d2;
          }
        }
      }
    }
    return bi >= 0 ? { i: bi, d2: bd } : null;
  }
}
