// Greedy label placement: a label is drawn only where it does not overlap one already placed, so
// dense areas stay readable. First come, first placed: callers add the important labels first.

/** Drawn under every label; a faint label is made faint with globalAlpha, which the halo follows. */
const HALO = 'rgba(5, 7, 13, 0.8)';

export class LabelPlacer {
  private rects: number[] = [];

  reset(): void {
    this.rects.length = 0;
  }

  /** Reserve a box (e.g. a planet's disc) so labels avoid it; always succeeds. */
  block(x: number, y: number, w: number, h: number): void {
    this.rects.push(x, y, x + w, y + h);
  }

  /** Place a box if it is free; returns whether it was placed. */
  tryPlace(x: number, y: number, w: number, h: number): boolean {
    const r = this.rects;
    const x2 = x + w;
    const y2 = y + h;
    for (let i = 0; i < r.length; i += 4) {
      if (x < r[i + 2] && x2 > r[i] && y < r[i + 3] && y2 > r[i + 1]) return false;
    }
    r.push(x, y, x2, y2);
    return true;
  }
}

/** Draw text (textBaseline 'top') at (x, y) aligned 'left' | 'center' if its box is free. */
export function placeText(
  ctx: CanvasRenderingContext2D,
  placer: LabelPlacer,
  text: string,
  x: number,
  y: number,
  align: 'left' | 'center',
  h = 13,
): boolean {
  const w = ctx.measureText(text).width;
  const left = align === 'center' ? x - w / 2 : x;
  if (!placer.tryPlace(left - 2, y - 1, w + 4, h + 2)) return false;
  ctx.textAlign = 'left';
  // A dark halo first: labels are drawn over the units (a canvas above theirs), and must read over a fleet.
  ctx.save();
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = HALO;
  ctx.strokeText(text, left, y);
  ctx.restore();
  ctx.fillText(text, left, y);
  return true;
}

/** Like placeText, trying a few vertical offsets before giving up (for transient labels). */
export function placeTextNear(
  ctx: CanvasRenderingContext2D,
  placer: LabelPlacer,
  text: string,
  x: number,
  y: number,
  offsets: readonly number[] = [0, -15, 15, -30],
): boolean {
  for (const dy of offsets) if (placeText(ctx, placer, text, x, y + dy, 'center')) return true;
  return false;
}
