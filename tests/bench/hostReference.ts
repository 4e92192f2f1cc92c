import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Row } from './stats.js';

// The host's own speed, measured beside the figures that depend on it: sessions land on hosts of the same kind
// whose CPU speed differs up to ~3x (the same compile took 4.99 s on one and 13.0 s on another). A fixed piece of
// work that uses no project code (so no change of ours moves it): hashing, JSON of unit-like records, and a float
// loop over typed arrays, the three kinds of work a compile does. A figure divided by this one compares across hosts.

function units(n: number): { id: string; pos: { x: number; y: number }; vel: { x: number; y: number }; hull: number }[] {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push({ id: `unit-${i}`, pos: { x: (i * 7.31) % 1000, y: (i * 3.17) % 1000 }, vel: { x: 1.5, y: -0.25 }, hull: 100 - (i % 50) });
  return out;
}

export function hostReference(): Row {
  const t0 = performance.now();
  const buf = Buffer.alloc(64 * 2 ** 20, 7);
  const h = createHash('sha256');
  for (let k = 0; k < 2; k++) h.update(buf);
  h.digest();
  const t1 = performance.now();
  const list = units(20_000);
  let bytes = 0;
  for (let k = 0; k < 10; k++) bytes += (JSON.parse(JSON.stringify(list)) as unknown[]).length;
  const t2 = performance.now();
  const n = 1 << 20;
  const x = new Float64Array(n).map((_, i) => (i * 1.618) % 997);
  const y = new Float64Array(n).map((_, i) => (i * 2.5) % 991);
  let acc = 0;
  for (let r = 0; r < 20; r++) for (let i = 1; i < n; i++) acc += Math.hypot(x[i] - x[i - 1], y[i] - y[i - 1]) > 500 ? 1 : 0;
  const t3 = performance.now();
  return {
    bench: 'host reference (fixed CPU work, no project code)',
    battle: '-',
    value: t3 - t0,
    unit: 'ms',
    note: `sha256 128 MB ${(t1 - t0).toFixed(0)} ms, JSON round trip of 20,000 unit-like records x10 ${(t2 - t1).toFixed(0)} ms, float loop 20 x 1M ${(t3 - t2).toFixed(0)} ms (${bytes + acc > 0 ? 'ok' : '-'}); divide a figure by this to compare hosts`,
  };
}
