// Batched shapes for canvas. One path with thousands of subpaths is slow to fill in Skia's software
// rasterizer (measured: 3000 wedges in one path ~50 ms, in paths of 48 ~2 ms), so a batch is a list
// of small Path2Ds that are filled/stroked with the same style.

const CHUNK = 48;

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

  fill(ctx: CanvasRenderingContext2D, rule?: CanvasFillRule): void {
    for (const p of this.paths) ctx.fill(p, rule);
  }

  stroke(ctx: CanvasRenderingContext2D): void {
    for (const p of this.paths) ctx.stroke(p);
  }
}
