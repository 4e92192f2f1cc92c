import type { WorldState } from '../../../shared/battle/state.js';

// `window.__wardroom`: what the end-to-end tests (and curious humans) read from the page.

export interface FrameStats {
  frames: number;
  /** Time spent drawing a frame (ms): mean, p95, max over the recent window. */
  drawMeanMs: number;
  drawP95Ms: number;
  drawMaxMs: number;
  /** Part of the frame spent folding streamed events into the world (stateNow). */
  foldMeanMs: number;
  foldMaxMs: number;
  /** Interval between animation frames (ms): mean and p95. */
  intervalMeanMs: number;
  intervalP95Ms: number;
  units: number;
}

export interface WardroomHooks {
  positionMs(): number;
  /** Dead-reckoned unit positions at `atMs` (default: the current shared position). */
  unitPositions(atMs?: number): Record<string, { x: number; y: number }>;
  readonly clockVersion: number;
  /** The clock sync's fastest round trip (ms): each page's offset is known to within half of it (NTP bound). */
  readonly clockRttMs?: number;
  readonly durationMs: number;
  readonly ready: boolean;
  /** The branch's manifest (phase bands, strength chart) has been drawn. */
  readonly timelineLoaded: boolean;
  /** How the world reaches this page. */
  readonly delivery: 'socket' | 'segments';
  /** Segments delivery: the room branch's segment requests so far, its frontier and whether it is complete. */
  segments(): {
    branchId: string | null;
    fetched: number[];
    compiledMs: number | null;
    complete: boolean | null;
    bounds: [number, number][];
    /** Segments asked of the page's segment worker (client/src/segments) and delivered by it, any branch. */
    worker: { asked: number; delivered: number };
  };
  /** The branch the drawn world belongs to. */
  readonly stateBranchId: string | null;
  /** Playback time of the last event folded into the drawn world (null before the first world). */
  readonly worldT: number | null;
  readonly role: string | null;
  readonly controlsEnabled: boolean;
  readonly connection: string;
  /** Units drawn in the last frame: screen position (CSS px, relative to the canvas) and radius. */
  drawnUnits(): { id: string; x: number; y: number; r: number }[];
  /** Which path drew the small ship wedges last frame: 'worker' (off-thread unit canvas), 'stamp' or 'canvas'. */
  readonly unitRenderer: string;
  frameStats(): FrameStats;
  resetFrameStats(): void;
}

declare global {
  interface Window {
    __wardroom?: WardroomHooks;
  }
}

export function unitPositionsAt(state: WorldState | null, t: number): Record<string, { x: number; y: number }> {
  const out: Record<string, { x: number; y: number }> = {};
  if (!state) return out;
  for (const u of Object.values(state.units)) {
    const dt = (t - u.t0) / 1000;
    out[u.id] = { x: u.pos.x + u.vel.x * dt, y: u.pos.y + u.vel.y * dt };
  }
  return out;
}

/** Rolling frame timings (last 600 frames). */
export class FrameMeter {
  private draw: number[] = [];
  private fold: number[] = [];
  private interval: number[] = [];
  private last = 0;
  frames = 0;

  record(start: number, end: number, foldMs: number): void {
    if (this.last > 0) push(this.interval, start - this.last);
    push(this.fold, foldMs);
    this.last = start;
    push(this.draw, end - start);
    this.frames++;
  }

  reset(): void {
    this.draw = [];
    this.fold = [];
    this.interval = [];
    this.last = 0;
    this.frames = 0;
  }

  stats(units: number): FrameStats {
    return {
      frames: this.frames,
      drawMeanMs: mean(this.draw),
      drawP95Ms: pct(this.draw, 0.95),
      drawMaxMs: this.draw.length ? Math.max(...this.draw) : 0,
      foldMeanMs: mean(this.fold),
      foldMaxMs: this.fold.length ? Math.max(...this.fold) : 0,
      intervalMeanMs: mean(this.interval),
      intervalP95Ms: pct(this.interval, 0.95),
      units,
    };
  }
}

function push(a: number[], v: number): void {
  a.push(v);
  if (a.length > 600) a.shift();
}

function mean(a: number[]): number {
  return a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0;
}

function pct(a: number[], p: number): number {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}
