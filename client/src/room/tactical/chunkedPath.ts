// Batched shapes for canvas. One path with thousands of subpaths is slow to fill in Skia's software
// rasterizer (measured: 3000 wedges in one path ~50 ms, in paths of 48 ~2 ms), so a batch is a list
// of small Path2Ds that are filled/stroked with the same style.

const CHUNK = 48;

/** The drawing API shared by the page's canvas and a worker's OffscreenCanvas. */
export type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export class ChunkedPath {
  private paths: Path2D[] = [new Path2D()];
  private n = 0;

  /** The path to add the next shape to (call once per shape). */
  next(): Path2D {
    if (++this.n > CHUNK) {
      this.n = 1;
      this.paths.push(new Path2D());
    }
    return this.paths[this.paths.length - 1];
  }

  fill(ctx: Ctx2D, rule?: CanvasFillRule): void {
    for (const p of this.paths) ctx.fill(p, rule);
  }

  stroke(ctx: Ctx2D): void {
    for (const p of this.paths) ctx.stroke(p);
  }
}
