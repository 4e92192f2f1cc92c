import type { SideInfo } from '../../../../shared/battle/types.js';
import type { StrengthSeries as ManifestStrength } from '../../../../shared/battle/segments.js';

// Each side's strength over the battle, from the branch manifest's strength series (shared/battle/segments.ts),
// normalised to each side's peak, with a cursor at the current position. Redrawn only when the
// cursor moves a pixel.

export interface StrengthSeries {
  t: number[];
  /** Per side, strength as a fraction of that side's peak (sides differ by 100x in size). */
  bySide: Map<string, number[]>;
}

/**
 * The chart's series from a manifest's precomputed strength samples (no events needed): sample i is
 * at i * stepMs (the last one clamped to the branch's end), each side normalised to its own peak.
 */
export function seriesFromManifest(m: ManifestStrength, durationMs: number, sides: readonly SideInfo[]): StrengthSeries {
  const n = Math.max(0, ...Object.values(m.strength).map((v) => v.length));
  const t = Array.from({ length: n }, (_, i) => Math.min(i * m.stepMs, durationMs));
  const bySide = new Map<string, number[]>();
  for (const side of sides) {
    const raw = m.strength[side.id] ?? new Array<number>(n).fill(0);
    const peak = Math.max(1e-9, ...raw);
    bySide.set(
      side.id,
      raw.map((v) => v / peak),
    );
  }
  return { t, bySide };
}

export class StrengthChart {
  readonly canvas: HTMLCanvasElement;
  private series: StrengthSeries | null = null;
  private sides: readonly SideInfo[] = [];
  private durationMs = 1;
  private lastCursorPx = -1;
  private dirty = true;
  private cssW = 0;
  private cssH = 0;

  constructor() {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'strength-chart';
    this.canvas.setAttribute('aria-label', 'Strength of each side over time');
    this.canvas.dataset.testid = 'strength-chart';
    // The canvas's CSS size, kept by an observer: reading clientWidth in draw() forced a layout every frame
    // (the timeline and the forces write to the DOM just before).
    new ResizeObserver(([e]) => {
      const box = e.contentBoxSize?.[0];
      this.cssW = Math.max(1, Math.round(box ? box.inlineSize : e.contentRect.width));
      this.cssH = Math.max(1, Math.round(box ? box.blockSize : e.contentRect.height));
    }).observe(this.canvas);
  }

  setData(series: StrengthSeries, sides: readonly SideInfo[], durationMs: number): void {
    this.series = series;
    this.sides = sides;
    this.durationMs = Math.max(1, durationMs);
    this.dirty = true;
  }

  draw(positionMs: number): void {
    const c = this.canvas;
    // Not laid out yet (or hidden): nothing to draw until the observer reports a size.
    if (this.cssW === 0 || this.cssH === 0) return;
    const { cssW, cssH } = this;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
      this.dirty = true;
    }
    const cursorPx = Math.round((positionMs / this.durationMs) * cssW);
    if (!this.dirty && cursorPx === this.lastCursorPx) return;
    this.dirty = false;
    this.lastCursorPx = cursorPx;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.fillStyle = 'rgba(255,255,255,0.03)';
    ctx.fillRect(0, 0, cssW, cssH);
    const s = this.series;
    if (!s || s.t.length === 0) {
      ctx.fillStyle = 'rgba(200,210,230,0.6)';
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText('Loading…', 6, 14);
      return;
    }
    const pad = 3;
    const x = (t: number): number => (t / this.durationMs) * cssW;
    const y = (v: number): number => cssH - pad - v * (cssH - pad * 2);
    for (const side of this.sides) {
      const vals = s.bySide.get(side.id);
      if (!vals) continue;
      ctx.strokeStyle = side.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      vals.forEach((v, i) => {
        if (i === 0) ctx.moveTo(x(s.t[i]), y(v));
        else ctx.lineTo(x(s.t[i]), y(v));
      });
      ctx.stroke();
    }
    ctx.strokeStyle = 'rgba(255,255,255,0.8)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(cursorPx + 0.5, 0);
    ctx.lineTo(cursorPx + 0.5, cssH);
    ctx.stroke();
  }
}
