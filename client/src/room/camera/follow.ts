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
 * One easing step toward the target: exponential approach with time constant tauMs (zoom in log space,
 * so zooming feels even), and a snap once the remaining offset is under a quarter pixel.
 */
export function approach(cur: ViewXY, target: ViewXY, dtMs: number, scale: number, tauMs = 70): ViewXY {
  const k = 1 - Math.exp(-Math.max(0, dtMs) / tauMs);
  const next = {
    x: cur.x + (target.x - cur.x) * k,
    y: cur.y + (target.y - cur.y) * k,
    zoom: Math.exp(Math.log(cur.zoom) + (Math.log(target.zoom) - Math.log(cur.zoom)) * k),
  };
  const close = Math.abs(next.x - target.x) * scale < 0.25 && Math.abs(next.y - target.y) * scale < 0.25 && Math.abs(Math.log(next.zoom / target.zoom)) < 5e-4;
  return close ? { x: target.x, y: target.y, zoom: target.zoom } : next;
}
