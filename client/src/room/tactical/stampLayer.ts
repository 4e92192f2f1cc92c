import { ColorWords, type RowSpan, stamp, WedgeMasks } from './wedgeStamp.js';

// Small ship wedges for big battles, written straight into a pixel buffer and copied onto the tactical
// canvas with one putImageData + drawImage. This is the main-thread fallback: where Worker and OffscreenCanvas
// exist the same masks are stamped on a worker (unitStampWorker.ts); both use wedgeStamp.ts. In headless Chromium (software Skia, no GPU) filling
// 20,000 wedges as paths costs ~44 ms of script and ~180 ms between frames; a wedge a few pixels wide
// is a precomputed pixel mask (by size and heading), so stamping 20,000 of them is a few ms.
// WebGL2 was measured too: SwiftShader is there, but copying its canvas back each frame cost ~400 ms
// (docs/benchmarks.md). Big symbols (zoomed in) keep the Canvas 2D path, which anti-aliases them.

/** Wedges at most this many pixels in half-size are stamped; bigger ones are drawn as paths. */
export const STAMP_MAX_PX = 12;

export class StampLayer {
  private w = 0;
  private h = 0;
  private ratio = 1;
  private image: ImageData | null = null;
  private px = new Uint32Array(0);
  private canvas: HTMLCanvasElement | OffscreenCanvas | null = null;
  private masks = new WedgeMasks();
  private colors = new ColorWords();
  /** Pixel rows touched this frame (cleared next frame instead of the whole buffer). */
  private rows: RowSpan = { lo: Infinity, hi: -Infinity };
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
    } else if (this.rows.hi >= this.rows.lo) {
      this.px.fill(0, this.rows.lo * w, (this.rows.hi + 1) * w);
    }
    this.rows = { lo: Infinity, hi: -Infinity };
    this.count = 0;
    return true;
  }

  /** Stamp a wedge at CSS px (x, y), half-size s, heading (rad); false when the colour is not hex. */
  push(x: number, y: number, s: number, heading: number, color: string): boolean {
    const word = this.colors.word(color);
    if (word === null) return false;
    this.pushWord(x, y, s, heading, word);
    return true;
  }

  pushWord(x: number, y: number, s: number, heading: number, word: number): void {
    const k = this.ratio;
    stamp(this.px, this.w, this.h, Math.round(x * k), Math.round(y * k), this.masks.get(s * k, heading), word, this.rows);
    this.count++;
  }

  /** Copy the stamped rows onto ctx (blended over what is there). */
  flush(ctx: CanvasRenderingContext2D, width: number): void {
    if (this.count === 0 || !this.image || !this.canvas || this.rows.hi < this.rows.lo) return;
    const c2 = this.canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!c2) return;
    const y0 = this.rows.lo;
    const rows = this.rows.hi - y0 + 1;
    c2.clearRect(0, 0, this.w, this.h);
    c2.putImageData(this.image, 0, 0, 0, y0, this.w, rows);
    ctx.drawImage(this.canvas, 0, y0, this.w, rows, 0, y0 / this.ratio, width, rows / this.ratio);
  }
}
