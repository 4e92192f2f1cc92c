import type { BattleMap, Vec2 } from '../../../../shared/battle/types.js';

// World <-> screen transform for the tactical canvas. Map y grows downward like the screen, so a
// heading angle means the same thing in both spaces (atan2 of the velocity).

export class Camera {
  /** World point at the centre of the viewport. */
  cx = 0;
  cy = 0;
  /** Screen pixels per map unit. */
  scale = 1;
  width = 1;
  height = 1;
  minScale = 0.01;
  maxScale = 200;

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
  }

  fit(map: BattleMap, margin = 24): void {
    const sx = (this.width - margin * 2) / Math.max(1, map.width);
    const sy = (this.height - margin * 2) / Math.max(1, map.height);
    this.scale = Math.max(1e-4, Math.min(sx, sy));
    this.cx = map.width / 2;
    this.cy = map.height / 2;
    // Never zoom out much past the whole map, nor in past a ship filling the screen.
    this.minScale = this.scale / 4;
    this.maxScale = this.scale * 400;
  }

  toScreenX(x: number): number {
    return (x - this.cx) * this.scale + this.width / 2;
  }

  toScreenY(y: number): number {
    return (y - this.cy) * this.scale + this.height / 2;
  }

  toWorld(sx: number, sy: number): Vec2 {
    return { x: (sx - this.width / 2) / this.scale + this.cx, y: (sy - this.height / 2) / this.scale + this.cy };
  }

  panBy(dxPx: number, dyPx: number): void {
    this.cx -= dxPx / this.scale;
    this.cy -= dyPx / this.scale;
  }

  /** Zoom by factor keeping the world point under (sx, sy) fixed. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const before = this.toWorld(sx, sy);
    this.scale = Math.min(this.maxScale, Math.max(this.minScale, this.scale * factor));
    const after = this.toWorld(sx, sy);
    this.cx += before.x - after.x;
    this.cy += before.y - after.y;
  }
}
