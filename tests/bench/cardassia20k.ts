import { performance } from 'node:perf_hooks';
import { battle } from '../../replays/battle-of-cardassia/index.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { buildSegment, DEFAULT_SEGMENT_MS, segmentBounds } from '../../shared/battle/segments.js';
import { encodeSegment } from '../../server/timelines/segments/encode.js';
import { shotCount } from '../../shared/battle/volley.js';
import { writeBenchJson } from './benchJson.js';
import { slowestWindow } from './procCpu.js';
import type { Row } from './stats.js';
import { hostReference } from './hostReference.js';

// Issue #14: the Battle of Cardassia at the seed's scale, end to end on the compile side: units by side,
// compile wall and CPU time, events, events JSON, and the segments a client fetches (JSON, gzip, brotli).
// `npm run bench -- cardassia20k`.

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function benchCardassia20k(): Row[] {
  // The host's speed first, in the same run (hosts of this kind differ up to ~3x).
  const rows: Row[] = [hostReference()];
  const ticks: { t: number; cpu: number }[] = [];
  const cpuNow = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { timeline: tl } = compileBattle(battle, { onTick: (facts) => ticks.push({ t: facts.t, cpu: cpuNow() }) });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const f = tl.forces;
  const units = Object.values(f).reduce((n, s) => n + s.ships + s.stations, 0);
  let eventsBytes = 2;
  let shots = 0;
  let volleys = 0;
  for (const e of tl.events) {
    eventsBytes += Buffer.byteLength(JSON.stringify(e)) + 1;
    shots += shotCount(e);
    if (e.type === 'unit:volley') volleys++;
  }
  rows.push({
    bench: 'cardassia20k compile history',
    battle: battle.info.id,
    value: wallMs,
    unit: 'ms',
    note:
      `CPU ${(cpuMs / 1000).toFixed(1)} s, ${(tl.durationMs / cpuMs).toFixed(1)}x real time (CPU); ${units} units ` +
      `(${Object.entries(f)
        .map(
          ([side, s]) =>
            `${side} ${s.ships} ships + ${s.stations} stations, ${s.atStart.ships + s.atStart.stations} at start, +${s.joined.ships} joined`,
        )
        .join(
          '; ',
        )}); ${tl.events.length} events (${shots} shots in ${volleys} volleys), events JSON ${mb(eventsBytes)}, eventsSha256 ${tl.eventsSha256.slice(0, 12)}, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
  });
  // The slowest 10 s of playback by process CPU time (issue #14: segments publish >= 16x faster than playback).
  const { factor: worst, atMs: worstAt } = slowestWindow(ticks);
  rows.push({
    bench: 'cardassia20k slowest 10 s (CPU)',
    battle: battle.info.id,
    value: worst,
    unit: 'x real time',
    note: `from t=${(worstAt / 1000).toFixed(0)} s, by process CPU time (GC threads included; target >= 16x)`,
  });
  const sizes: { json: number; gzip: number; br: number }[] = [];
  for (const [i, [startMs, endMs]] of segmentBounds(tl.events, tl.durationMs, DEFAULT_SEGMENT_MS).entries()) {
    const enc = encodeSegment(buildSegment({ battleId: tl.battleId }, tl.events, tl.keyframes, i, startMs, endMs));
    sizes.push({ json: enc.info.bytes, gzip: enc.gzip.byteLength, br: enc.br.byteLength });
  }
  const sum = (k: 'json' | 'gzip' | 'br') => sizes.reduce((n, s) => n + s[k], 0);
  const max = (k: 'json' | 'gzip' | 'br') => Math.max(...sizes.map((s) => s[k]));
  rows.push({
    bench: 'cardassia20k segments',
    battle: battle.info.id,
    value: sizes.length,
    unit: 'segments',
    note:
      `JSON ${mb(sum('json'))} in all (largest ${mb(max('json'))}), gzip ${mb(sum('gzip'))} (largest ${mb(max('gzip'))}), ` +
      `brotli ${mb(sum('br'))} (largest ${mb(max('br'))}); first segment brotli ${mb(sizes[0]?.br ?? 0)}`,
  });
  writeBenchJson('cardassia20k', 'npm run bench -- cardassia20k', rows);
  return rows;
}
