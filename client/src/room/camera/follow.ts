import type { BattleMap } from '../../../../shared/battle/types.js';
import type { CameraView } from '../../../../shared/protocol/schemas.js';
import type { Camera } from '../tactical/camera.js';

// Camera views as the wire carries them, and the easing a follower uses. Zoom is relative to the
// scale at which the whole map fits this viewport (as Camera.fit computes it), so a presenter and
// a follower with different window sizes see the same part of the map.

export type ViewXY = Pick<CameraView, 'x' | 'y' | 'zoom'>;

export function fitScale(cam: Pick<Camera, 'width' | 'height'>, map: Pick<BattleMap, 'width' | 'height'>, margin = 24): number {
  return Math.max(1e-4, Math.min((cam.width - margin * 2) / Math.max(1, map.width), (cam.height - margin * 2) / Math.max(1, map.height)));
}

export function viewOf(cam: Pick<Camera, 'cx' | 'cy' | 'scale'>, fit: number): ViewXY {
  return { x: cam.cx, y: cam.cy, zoom: cam.scale / fit };
}

/** Did the view move enough to be worth sending (a tenth of a pixel, or 0.1 % zoom)? */
export function moved(a: ViewXY | null, b: ViewXY, scale: number): boolean {
  if (!a) return true;
  return Math.abs(a.x - b.x) * scale > 0.1 || Math.abs(a.y - b.y) * scale > 0.1 || Math.abs(Math.log(a.zoom / b.zoom)) > 1e-3;
}

/**
 * The follower's view `elapsedMs` into a glide from `from` to `to` lasting durationMs: eased (smoothstep),
 * zoom in log space so zooming feels even, and exactly `to` once the glide is over. Updates come every
 * ~100 ms while the presenter moves, so a glide of about that length keeps the motion continuous and the
 * follower at most one update behind; when the presenter stops, the follower lands on the last view.
 */
export function glide(from: ViewXY, to: ViewXY, elapsedMs: number, durationMs: number): ViewXY {
  const u = durationMs <= 0 ? 1 : Math.min(1, Math.max(0, elapsedMs / durationMs));
  if (u >= 1) return { x: to.x, y: to.y, zoom: to.zoom };
  const k = u * u * (3 - 2 * u);
  return {
    x: from.x + (to.x - from.x) * k,
    y: from.y + (to.y - from.y) * k,
    zoom: Math.exp(Math.log(from.zoom) + (Math.log(to.zoom) - Math.log(from.zoom)) * k),
  };
}

/** The drawn unit under a screen point (within its radius + 4 px), the nearest relative to its size. */
export function pickUnit(drawn: readonly { id: string; x: number; y: number; r: number }[], x: number, y: number): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const u of drawn) {
    const r = u.r + 4;
    const score = ((u.x - x) ** 2 + (u.y - y) ** 2) / (r * r);
    if (score <= 1 && score < bestScore) {
      bestScore = score;
      best = u.id;
    }
  }
  return best;
}
