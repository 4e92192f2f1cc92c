// The pixel side of stamped ship wedges, shared by the main-thread fallback (stampLayer.ts) and the worker
// that owns the unit canvas (unitStampWorker.ts, fed by workerStamps.ts): side colours as ImageData words,
// a wedge as a precomputed pixel mask (by size and heading bucket), and the stamping of one mask.

/** Heading buckets of the precomputed masks (7.5° each). */
export const HEADINGS = 48;

/** The 2D layer's wedge outline (nose, left wing, notch, right wing) in units of the half-size. */
const WEDGE: readonly (readonly [number, number])[] = [
  [1, 0],
  [-0.75, 0.6],
  [-0.35, 0],
  [-0.75, -0.6],
];

function inside(px: number, py: number, poly: readonly (readonly [number, number])[]): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

/** Pixel offsets (dx, dy pairs) covered by a wedge of half-size s pointing along heading bucket h. */
export function mask(s: number, h: number): Int16Array {
  const a = (h / HEADINGS) * Math.PI * 2;
  const c = Math.cos(a);
  const n = Math.sin(a);
  const poly = WEDGE.map(([x, y]) => [x * s * c - y * s * n, x * s * n + y * s * c] as const);
  const out: number[] = [];
  const r = Math.ceil(s) + 1;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (inside(dx, dy, poly)) out.push(dx, dy);
  // A wedge too thin to cover a pixel centre still shows as one pixel.
  if (out.length === 0) out.push(0, 0);
  return Int16Array.from(out);
}

/** '#rgb' / '#rrggbb' as an opaque ABGR word (ImageData byte order on little-endian); null otherwise. */
export function packHex(color: string): number | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (!m) return null;
  const h = m[1].length === 3 ? m[1].replace(/./g, (ch) => ch + ch) : m[1];
  const r = parseInt(h.slice(0, 2), 16);
  const g = parseInt(h.slice(2, 4), 16);
  const b = parseInt(h.slice(4, 6), 16);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Colour strings -> words, cached. Units come side by side, so the last colour usually serves again. */
export class ColorWords {
  private words = new Map<string, number | null>();
  private lastColor = '';
  private lastWord: number | null = null;

  /** The word of a '#rgb'/'#rrggbb' colour; null for anything else (the caller draws it another way). */
  word(color: string): number | null {
    if (color === this.lastColor) return this.lastWord;
    let w = this.words.get(color);
    if (w === undefined) this.words.set(color, (w = packHex(color)));
    this.lastColor = color;
    this.lastWord = w;
    return w;
  }
}

/** Masks by device-pixel half-size (rounded to 0.5) and heading bucket, cached; the last one usually serves again. */
export class WedgeMasks {
  private masks = new Map<number, Int16Array>();
  private lastKey = -1;
  private last: Int16Array = new Int16Array(0);

  /** The mask of a wedge of half-size s device px pointing along heading (rad). */
  get(s: number, heading: number): Int16Array {
    const sp = Math.max(1, Math.round(s * 2) / 2);
    let hb = Math.round((heading / (Math.PI * 2)) * HEADINGS) % HEADINGS;
    if (hb < 0) hb += HEADINGS;
    const key = sp * 1024 + hb;
    if (key === this.lastKey) return this.last;
    let m = this.masks.get(key);
    if (!m) this.masks.set(key, (m = mask(sp, hb)));
    this.lastKey = key;
    this.last = m;
    return m;
  }
}

/** Rows a frame's stamps touched (so the next frame clears and copies only those). */
export interface RowSpan {
  lo: number;
  hi: number;
}

/** Write `word` under mask m centred at device pixel (cx, cy) of a w x h buffer, widening `rows` to what it touched. */
export function stamp(px: Uint32Array, w: number, h: number, cx: number, cy: number, m: Int16Array, word: number, rows: RowSpan): void {
  let lo = rows.lo;
  let hi = rows.hi;
  for (let i = 0; i < m.length; i += 2) {
    const xx = cx + m[i];
    const yy = cy + m[i + 1];
    if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
    px[yy * w + xx] = word;
    if (yy < lo) lo = yy;
    if (yy > hi) hi = yy;
  }
  rows.lo = lo;
  rows.hi = hi;
}
