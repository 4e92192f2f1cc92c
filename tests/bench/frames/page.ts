import type { Unit } from '../../../shared/battle/types.js';
import { Camera } from '../../../client/src/room/tactical/camera.js';
import { LabelPlacer } from '../../../client/src/room/tactical/labels.js';
import { drawUnits, lastUnitRenderer, newHitGrid, setUnitRenderer } from '../../../client/src/room/tactical/unitLayer.js';
import { WorkerStamps } from '../../../client/src/room/tactical/workerStamps.js';
import { UnitTouches } from '../../../client/src/room/tactical/unitTouches.js';

// Browser side of the frames20k bench: the real tactical unit layer drawing a synthetic world of n
// moving units at "Fit" on a 1280x800 canvas, advanced at 16x playback, timed per frame like the
// room's FrameMeter (work inside requestAnimationFrame), with long tasks counted by a
// PerformanceObserver. Built by tests/bench/frames20k.ts and run in headless Chromium.

export interface FrameBenchResult {
  units: number;
  frames: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  intervalMeanMs: number;
  longTasks: number;
  longestTaskMs: number;
  webgl2: string;
  renderer: string;
  /** Off-thread layer: frames not sent because the worker was behind, and its last frame's time. */
  dropped: number;
  workerMs: number;
}

/** 'worker': wedges stamped off the main thread (the room's default); 'stamp': on it; 'canvas': paths. */
export type FrameBenchMode = 'worker' | 'stamp' | 'canvas';

const CLASSES = ['defiant', 'galaxy', 'galor', 'keldon', 'jemhadar-attack-ship', 'breen-warship'];

function world(n: number): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < n; i++) {
    const blue = i % 4 === 0;
    // Deterministic spread over the map (no dice needed): a low-discrepancy pattern per side.
    const a = (i * 0.618034) % 1;
    const b = (i * 0.754878) % 1;
    const x = blue ? 40 + a * 420 : 520 + a * 440;
    const y = 20 + b * 660;
    const h = blue ? 0.3 * Math.sin(i) : Math.PI + 0.3 * Math.sin(i);
    const stations = i % 500 === 0;
    units.push({
      id: `${blue ? 'blue' : 'red'}-${i}`,
      side: blue ? 'blue' : 'red',
      kind: stations ? 'station' : 'ship',
      cls: CLASSES[i % CLASSES.length],
      name: `Ship ${i}`,
      group: `g${i % 80}`,
      pos: { x, y },
      vel: { x: Math.cos(h) * 4, y: Math.sin(h) * 4 },
      t0: 0,
      heading: h,
      shields: i % 3 === 0 ? 0 : 200,
      maxShields: 300,
      hull: i % 7 === 0 ? 120 : 300,
      maxHull: 300,
      weapons: [],
      status: i % 11 === 0 ? 'destroyed' : 'active',
      size: stations ? 26 : 8 + (i % 5) * 2,
    });
  }
  return units;
}

function webgl2Info(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'unavailable';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
}

/** Draw n units for `frames` frames (or until durationMs of wall time has passed, if sooner). */
function run(n: number, frames: number, speed: number, mode: FrameBenchMode = 'worker', durationMs = Infinity): Promise<FrameBenchResult> {
  setUnitRenderer(mode === 'canvas' ? 'canvas' : 'auto');
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 800;
  canvas.style.cssText = 'position:absolute;left:0;top:0;width:1280px;height:800px';
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d')!;
  // As in the room: the unit canvas stacked over the 2D one, drawn by a worker.
  let offThread: WorkerStamps | null = null;
  if (mode === 'worker') {
    const [fc, uc] = [0, 1].map(() => {
      const c = document.createElement('canvas');
      c.style.cssText = 'position:absolute;left:0;top:0;width:1280px;height:800px;pointer-events:none';
      document.body.appendChild(c);
      return c;
    });
    offThread = new WorkerStamps(uc, fc);
  }
  const cam = new Camera();
  cam.resize(1280, 800);
  cam.fit({ width: 1000, height: 700, scaleLabel: '', features: [] });
  const units = world(n);
  const hit = newHitGrid();
  // The synthetic units never change (no events): as in the room between events, nothing is re-read but the sweep.
  const touches = new UnitTouches();
  const labels = new LabelPlacer();
  const colors: Record<string, string> = { blue: '#4a90e2', red: '#e24a4a' };
  const colorOf = (side: string) => colors[side] ?? '#888';
  const work: number[] = [];
  const intervals: number[] = [];
  const long: number[] = [];
  let started = false;
  new PerformanceObserver((list) => {
    if (started) for (const e of list.getEntries()) long.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  // Asked before timing starts: creating a WebGL context on SwiftShader is itself a long task.
  const webgl2 = webgl2Info();
  return new Promise((resolve) => {
    let t = 0;
    let last = 0;
    let since = 0;
    const frame = (now: number) => {
      const s = performance.now();
      if (last > 0) {
        intervals.push(now - last);
        t += (now - last) * speed;
      }
      last = now;
      ctx.fillStyle = '#0b0f17';
      ctx.fillRect(0, 0, 1280, 800);
      labels.reset();
      drawUnits(ctx, cam, units, { t, colorOf, hoverId: null, hit, labels, offThread, touches, worldT: 0 });
      work.push(performance.now() - s);
      // The first frame builds caches and compiles code: measured from the second on, like the e2e.
      if (!started) {
        work.length = 0;
        started = true;
        since = performance.now();
        if (offThread) offThread.dropped = 0;
      }
      if (work.length < frames && performance.now() - since < durationMs) {
        requestAnimationFrame(frame);
        return;
      }
      const sorted = [...work].sort((a, b) => a - b);
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
      resolve({
        units: n,
        frames: work.length,
        meanMs: mean(work),
        p95Ms: sorted[Math.floor(sorted.length * 0.95)],
        maxMs: sorted[sorted.length - 1],
        intervalMeanMs: mean(intervals),
        longTasks: long.length,
        longestTaskMs: long.length ? Math.max(...long) : 0,
        webgl2,
        renderer: lastUnitRenderer,
        dropped: offThread?.dropped ?? 0,
        workerMs: offThread?.workerMs ?? 0,
      });
    };
    requestAnimationFrame(frame);
  });
}

declare global {
  interface Window {
    __frameBench?: { run: typeof run };
  }
}

window.__frameBench = { run };
