// Small ship wedges for big battles, written straight into a pixel buffer and copied onto the tactical
// canvas with one putImageData + drawImage. This is the main-thread fallback: where Worker and
// OffscreenCanvas exist the same masks are stamped on a worker (unitStampWorker.ts). In headless Chromium (software Skia, no GPU) filling
// 20,000 wedges as paths costs ~44 ms of script and ~180 ms between frames; a wedge a few pixels wide
// is a precomputed pixel mask (by size and heading), so stamping 20,000 of them is a few ms.
// WebGL2 was measured too: SwiftShader is there, but copying its canvas back each frame cost ~400 ms
// (docs/benchmarks.md). Big symbols (zoomed in) keep the Canvas 2D path, which anti-aliases them.

/** Wedges at most this many pixels in half-size are stamped; bigger ones are drawn as paths. */
export const STAMP_MAX_PX = 12;
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

export class StampLayer {
  private w = 0;
  private h = 0;
  private ratio = 1;
  private image: ImageData | null = null;
  private px = new Uint32Array(0);
  private canvas: HTMLCanvasElement | OffscreenCanvas | null = null;
  private masks = new Map<number, Int16Array>();
  private colors = new Map<string, number | null>();
  private lastColor = '';
  private lastWord: number | null | undefined;
  private lastKey = -1;
  private lastMask: Int16Array | undefined;
  /** Pixel rows touched this frame (cleared next frame instead of the whole buffer). */
  private minY = Infinity;
  private maxY = -Infinity;
  count = 0;

  /** Start a frame for a ctx whose transform maps CSS px to its backing store. */
  begin(ctx: CanvasRenderingContext2D, width: number, height: number): boolean {
    this.ratio = ctx.getTransform().a || 1;
    const w = Math.max(1, Math.round(width * this.ratio));
    const h = Math.max(1, Math.round(height * this.ratio));
    if (w !== this.w || h !== this.h || !this.image) {
      if (typeof ImageData === 'undefined') return false;
      this.w = w;
      this.h = h;
      this.image = new ImageData(w, h);
      this.px = new Uint32Array(this.image.data.buffer);
      this.canvas =
        typeof OffscreenCanvas !== 'undefined'
          ? new OffscreenCanvas(w, h)
          : Object.assign(document.createElement('canvas'), { width: w, height: h });
      this.minY = Infinity;
      this.maxY = -Infinity;
    } else if (this.maxY >= this.minY) {
      this.px.fill(0, this.minY * w, (this.maxY + 1) * w);
    }
    this.minY = Infinity;
    this.maxY = -Infinity;
    this.count = 0;
    return true;
  }

  /** Stamp a wedge at CSS px (x, y), half-size s, heading (rad); false when the colour is not hex. */
  push(x: number, y: number, s: number, heading: number, color: string): boolean {
    // Units come side by side: the last colour and mask usually serve again (no Map lookup).
    let word = color === this.lastColor ? this.lastWord : this.colors.get(color);
    if (word === undefined) this.colors.set(color, (word = packHex(color)));
    if (word === null) return false;
    this.lastColor = color;
    this.lastWord = word;
    const k = this.ratio;
    const sp = Math.max(1, Math.round(s * k * 2) / 2);
    let hb = Math.round((heading / (Math.PI * 2)) * HEADINGS) % HEADINGS;
    if (hb < 0) hb += HEADINGS;
    const key = sp * 1024 + hb;
    let m = key === this.lastKey ? this.lastMask : this.masks.get(key);
    if (!m) this.masks.set(key, (m = mask(sp, hb)));
    this.lastKey = key;
    this.lastMask = m;
    const cx = Math.round(x * k);
    const cy = Math.round(y * k);
    const { w, h, px } = this;
    let lo = h;
    let hi = -1;
    for (let i = 0; i < m.length; i += 2) {
      const xx = cx + m[i];
      const yy = cy + m[i + 1];
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      px[yy * w + xx] = word;
      if (yy < lo) lo = yy;
      if (yy > hi) hi = yy;
    }
    if (lo < this.minY) this.minY = lo;
    if (hi > this.maxY) this.maxY = hi;
    this.count++;
    return true;
  }

  /** Copy the stamped rows onto ctx (blended over what is there). */
  flush(ctx: CanvasRenderingContext2D, width: number): void {
    if (this.count === 0 || !this.image || !this.canvas || this.maxY < this.minY) return;
    const c2 = this.canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!c2) return;
    const y0 = this.minY;
    const rows = this.maxY - y0 + 1;
    c2.clearRect(0, 0, this.w, this.h);
    c2.putImageData(this.image, 0, 0, 0, y0, this.w, rows);
    ctx.drawImage(this.canvas, 0, y0, this.w, rows, 0, y0 / this.ratio, width, rows / this.ratio);
  }
}
