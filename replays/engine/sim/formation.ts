import type { Vec2 } from '../../../shared/battle/types.js';
import type { Formation, Reform } from '../types.js';

// Deterministic formation layouts (no dice): offsets from the group position, rotated to the heading.
// Offsets are rounded to 1/100 so positions stay short in events.

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

function rot(p: Vec2, heading: number): Vec2 {
  const c = Math.cos(heading);
  const s = Math.sin(heading);
  return { x: Math.round((p.x * c - p.y * s) * 100) / 100, y: Math.round((p.x * s + p.y * c) * 100) / 100 };
}

export function formationOffsets(formation: Formation, count: number, spread: number, heading: number): Vec2[] {
  const out: Vec2[] = [];
  if (count <= 0) return out;
  if (count === 1) return [{ x: 0, y: 0 }];
  switch (formation) {
    case 'grid': {
      const cols = Math.ceil(Math.sqrt(count));
      const rows = Math.ceil(count / cols);
      const step = (2 * spread) / Math.max(cols - 1, rows - 1, 1);
      for (let i = 0; i < count; i++) {
        const c = i % cols;
        const r = Math.floor(i / cols);
        // x along the heading (rows stack backward), y across it.
        out.push(rot({ x: -(r - (rows - 1) / 2) * step, y: (c - (cols - 1) / 2) * step }, heading));
      }
      break;
    }
    case 'line': {
      for (let i = 0; i < count; i++) out.push(rot({ x: 0, y: -spread + (2 * spread * i) / (count - 1) }, heading));
      break;
    }
    case 'ring': {
      for (let i = 0; i < count; i++) {
        const a = (2 * Math.PI * i) / count;
        out.push(rot({ x: spread * Math.cos(a), y: spread * Math.sin(a) }, heading));
      }
      break;
    }
    case 'wedge': {
      // Row k holds k+1 units, the leader at the tip; rows trail behind the heading.
      let rowsNeeded = 0;
      while (((rowsNeeded + 1) * (rowsNeeded + 2)) / 2 < count) rowsNeeded++;
      const step = spread / Math.max(rowsNeeded, 1);
      let i = 0;
      for (let k = 0; i < count; k++) {
        for (let j = 0; j <= k && i < count; j++, i++) {
          out.push(rot({ x: spread / 2 - k * step, y: (j - k / 2) * step }, heading));
        }
      }
      break;
    }
    case 'scatter': {
      // Sunflower spiral: even density over the disc, looks irregular, needs no dice.
      for (let i = 0; i < count; i++) {
        const r = spread * Math.sqrt((i + 0.5) / count);
        const a = i * GOLDEN_ANGLE;
        out.push(rot({ x: r * Math.cos(a), y: r * Math.sin(a) }, heading));
      }
      break;
    }
  }
  return out;
}

/** The spread that puts `count` units of `formation` about `spacing` apart. */
export function spreadFor(formation: Formation, count: number, spacing: number): number {
  if (count <= 1) return 0;
  switch (formation) {
    case 'grid': {
      const cols = Math.ceil(Math.sqrt(count));
      const rows = Math.ceil(count / cols);
      return (spacing * Math.max(cols - 1, rows - 1, 1)) / 2;
    }
    case 'line':
      return (spacing * (count - 1)) / 2;
    case 'ring':
      return (spacing * count) / (2 * Math.PI);
    case 'wedge': {
      let rows = 0;
      while (((rows + 1) * (rows + 2)) / 2 < count) rows++;
      return spacing * Math.max(rows, 1);
    }
    case 'scatter':
      return spacing * Math.sqrt(count / Math.PI);
  }
}

/**
 * Slots of a fresh formation for units now at `from` (relative to their centre), matched so that
 * paths seldom cross: both are cut into bands across the heading, and paired by their order along
 * it within each band. Deterministic: ties keep input order.
 */
export function reformOffsets(reform: Reform, from: readonly Vec2[], heading: number): Vec2[] {
  const n = from.length;
  const slots = formationOffsets(reform.formation, n, spreadFor(reform.formation, n, reform.spacing), heading);
  const c = Math.cos(heading);
  const s = Math.sin(heading);
  const across = (p: Vec2) => -p.x * s + p.y * c;
  const along = (p: Vec2) => p.x * c + p.y * s;
  const order = (pts: readonly Vec2[]) => {
    const idx = pts.map((_, i) => i).sort((a, b) => across(pts[a]) - across(pts[b]) || a - b);
    const band = Math.max(1, Math.ceil(Math.sqrt(n)));
    const out: number[] = [];
    for (let k = 0; k < n; k += band) {
      out.push(...idx.slice(k, k + band).sort((a, b) => along(pts[b]) - along(pts[a]) || a - b));
    }
    return out;
  };
  const units = order(from);
  const places = order(slots);
  const out: Vec2[] = new Array(n);
  for (let k = 0; k < n; k++) out[units[k]] = slots[places[k]];
  return out;
}
