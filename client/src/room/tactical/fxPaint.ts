import type { EffectKind, WeaponKind } from '../../../../shared/battle/types.js';
import { ChunkedPath, type Ctx2D } from './chunkedPath.js';
import { EFFECT_COLOR, WEAPON_COLOR, withAlpha } from './palette.js';

// Weapons fire and effects as packed numbers, and their painting. The main thread packs a frame's shots and
// effects in screen space (fxLayer.ts); this paints them on any 2D context: the tactical canvas, or in a big
// battle the unit layer's worker canvas (unitStampWorker.ts), so their raster leaves the main thread (with no
// GPU, Chromium rasterises the page's 2D canvas in the main thread's commit). No DOM here: workers import it.

/** Floats per record: beams [code, x0, y0, x1, y1] (a dot: its centre in x0, y0), effects [kind, x, y, r, f]. */
export const FX_STRIDE = 5;

export const WEAPONS = Object.keys(WEAPON_COLOR) as WeaponKind[];
export const EFFECT_KINDS = Object.keys(EFFECT_COLOR) as EffectKind[];

/** A beam's bucket: weapon, hit, fade third (0-2), dot (a projectile) or line. Beams of one bucket batch. */
export function beamCode(weapon: number, hit: boolean, fade: number, dot: boolean): number {
  return ((weapon * 2 + (hit ? 1 : 0)) * 3 + fade) * 2 + (dot ? 1 : 0);
}

/** One frame's fx: `beams` beam records, then `effects` effect records (in drawing order). */
export interface FxFrame {
  data: Float32Array;
  beams: number;
  effects: number;
}

export function paintFx(ctx: Ctx2D, fx: FxFrame): void {
  const { data, beams: nb, effects: ne } = fx;
  const buckets = new Map<number, ChunkedPath>();
  for (let i = 0; i < nb; i++) {
    const o = i * FX_STRIDE;
    const code = data[o];
    let b = buckets.get(code);
    if (!b) buckets.set(code, (b = new ChunkedPath()));
    const p = b.next();
    const x = data[o + 1];
    const y = data[o + 2];
    if (code % 2 === 1) {
      p.moveTo(x + 2, y);
      p.arc(x, y, 2, 0, Math.PI * 2);
    } else {
      p.moveTo(x, y);
      p.lineTo(data[o + 3], data[o + 4]);
    }
  }
  ctx.save();
  // Butt caps: at 1-1.6 px a round cap is invisible but is a curve per end for the rasteriser.
  ctx.lineCap = 'butt';
  for (const [code, p] of buckets) {
    const dot = code % 2 === 1;
    const fade = Math.floor(code / 2) % 3;
    const hit = Math.floor(code / 6) % 2 === 1;
    const color = WEAPON_COLOR[WEAPONS[Math.floor(code / 12)]] ?? '#ffffff';
    const alpha = (hit ? 0.95 : 0.32) * (1 - fade / 3);
    if (dot) {
      ctx.fillStyle = withAlpha(color, alpha);
      p.fill(ctx);
    } else {
      ctx.strokeStyle = withAlpha(color, alpha);
      ctx.lineWidth = hit ? 1.6 : 1;
      p.stroke(ctx);
    }
  }
  ctx.restore();
  for (let i = 0; i < ne; i++) {
    const o = (nb + i) * FX_STRIDE;
    paintEffect(ctx, EFFECT_KINDS[data[o]], data[o + 1], data[o + 2], data[o + 3], data[o + 4]);
  }
}

/** One effect at screen (x, y), radius r (px), f of its life gone. */
function paintEffect(ctx: Ctx2D, kind: EffectKind, x: number, y: number, r: number, f: number): void {
  const color = EFFECT_COLOR[kind];
  const a = Math.max(0, 1 - f);
  ctx.save();
  switch (kind) {
    case 'explosion': {
      glow(
        ctx,
        x,
        y,
        r * (0.4 + 0.8 * f),
        [`rgba(255, 250, 220, ${a.toFixed(3)})`, withAlpha(color, a * 0.8), 'rgba(255, 80, 20, 0)'],
        0.4,
      );
      break;
    }
    case 'strike': {
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = 0; i < 4; i++) {
        const ang = (i * Math.PI) / 2 + Math.PI / 4;
        ctx.moveTo(x + Math.cos(ang) * r * 0.2, y + Math.sin(ang) * r * 0.2);
        ctx.lineTo(x + Math.cos(ang) * r * (0.6 + 0.6 * f), y + Math.sin(ang) * r * (0.6 + 0.6 * f));
      }
      ctx.stroke();
      ctx.fillStyle = withAlpha(color, a * 0.6);
      ctx.beginPath();
      ctx.arc(x, y, r * 0.3, 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'warp-in':
    case 'warp-out': {
      // Warp-in collapses onto the point; warp-out bursts away from it.
      const rr = kind === 'warp-in' ? r * (1.6 - 1.2 * f) : r * (0.3 + 1.4 * f);
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, rr, 0, Math.PI * 2);
      ctx.stroke();
      ctx.fillStyle = withAlpha('#ffffff', a * 0.5);
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, r * 0.15), 0, Math.PI * 2);
      ctx.fill();
      break;
    }
    case 'wormhole-open': {
      glow(ctx, x, y, r * (0.5 + 1.5 * f), [withAlpha('#ffffff', a), withAlpha('#7ec8ff', a * 0.6), 'rgba(60, 120, 255, 0)'], 0.5);
      break;
    }
    case 'wormhole-blocked': {
      ctx.strokeStyle = withAlpha(color, a);
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(x, y, r * (1 + 0.3 * Math.sin(f * Math.PI * 4)), 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      const k = r * 0.5;
      ctx.moveTo(x - k, y - k);
      ctx.lineTo(x + k, y + k);
      ctx.moveTo(x + k, y - k);
      ctx.lineTo(x - k, y + k);
      ctx.stroke();
      break;
    }
    case 'beam-down': {
      ctx.fillStyle = withAlpha(color, a);
      for (let i = 0; i < 8; i++) {
        const yy = y - r + (((i * 2 * r) / 8 + f * r) % (2 * r));
        ctx.fillRect(x - 1 + ((i * 7) % 5) - 2, yy, 2, 2);
      }
      break;
    }
  }
  ctx.restore();
}

/** A disc of radius `rr` shading from `inner` through `mid` (at `midStop`) to `outer` at its rim. */
function glow(ctx: Ctx2D, x: number, y: number, rr: number, [inner, mid, outer]: [string, string, string], midStop: number): void {
  const g = ctx.createRadialGradient(x, y, 0, x, y, rr);
  g.addColorStop(0, inner);
  g.addColorStop(midStop, mid);
  g.addColorStop(1, outer);
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(x, y, rr, 0, Math.PI * 2);
  ctx.fill();
}
