import { UNIT_COLUMNS, unpackWorld, type PackedWorld } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { Unit } from '../../shared/battle/types.js';

// A segment's packed start unpacked a slice of units per call (a SegmentWorld playing with a FoldBudget): at 20,000
// units one unpack holds a frame for tens of ms. The shared unpackWorld on slices of the packed columns, so the
// world is the one unpackWorld makes.

export class SliceUnpack {
  private job: { index: number; next: number; units: Record<string, Unit> } | null = null;

  /** Segment k's start as a world, `units` units more per call; null until the last slice is in. */
  next(k: number, p: PackedWorld, units: number): WorldState | null {
    const n = p.units.ids.length;
    if (units >= n) {
      this.job = null;
      return unpackWorld(p);
    }
    let job = this.job;
    if (!job || job.index !== k) job = this.job = { index: k, next: 0, units: {} };
    const a = job.next;
    const b = Math.min(n, a + units);
    const w = UNIT_COLUMNS.length;
    const sections: PackedWorld['units']['sections'] = {};
    for (const key of Object.keys(p.units.sections)) {
      const i = Number(key);
      if (i >= a && i < b) sections[i - a] = p.units.sections[i];
    }
    const part = unpackWorld({
      ...p,
      units: { ...p.units, ids: p.units.ids.slice(a, b), rows: p.units.rows.slice(a * w, b * w), sections },
    });
    for (const id in part.units) job.units[id] = part.units[id];
    job.next = b;
    if (b < n) return null;
    this.job = null;
    return { ...part, units: job.units };
  }
}
