import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import { strengthSeries } from '../../shared/battle/segments.js';
import type { Unit } from '../../shared/battle/types.js';
import { seriesFromManifest } from '../../client/src/room/panel/strengthChart.js';
import { Camera } from '../../client/src/room/tactical/camera.js';
import { FxIndex, type FxEvent, KEEP_BEHIND_MS } from '../../client/src/room/tactical/fxIndex.js';
import { forEachShot } from '../../client/src/room/tactical/fxLayer.js';
import { volleyOf, type FireBody } from '../../shared/battle/volley.js';
import { LabelPlacer } from '../../client/src/room/tactical/labels.js';
import { niceStep, scaleText } from '../../client/src/room/tactical/mapLayer.js';
import { nextRate } from '../../client/src/room/timeline/timelineBar.js';
import { testUnit } from '../fixtures/units.js';

// The browser client's pure parts (no DOM): camera math, the fire/effect index, label placement,
// the scale bar, speed steps, and the strength chart series.

describe('Camera', () => {
  it('fits the map and keeps the point under the cursor fixed while zooming', () => {
    const cam = new Camera();
    cam.resize(800, 600);
    cam.fit({ width: 1000, height: 500, scaleLabel: '', features: [] }, 0);
    expect(cam.scale).toBeCloseTo(0.8);
    expect(cam.toScreenX(500)).toBeCloseTo(400);
    expect(cam.toScreenY(250)).toBeCloseTo(300);
    const before = cam.toWorld(123, 456);
    cam.zoomAt(123, 456, 3);
    const after = cam.toWorld(123, 456);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    expect(cam.scale).toBeCloseTo(2.4);
    cam.panBy(10, -20);
    expect(cam.toScreenX(after.x)).toBeCloseTo(133);
    expect(cam.toScreenY(after.y)).toBeCloseTo(436);
    cam.zoomAt(0, 0, 1e-9);
    expect(cam.scale).toBeCloseTo(cam.minScale);
  });
});

function fire(seq: number, t: number): BattleEvent {
  return { seq, t, type: 'unit:fire', from: 'a', to: 'b', weapon: 'phaser', hit: true, shields: 0, hull: 0 };
}

describe('FxIndex', () => {
  it('keeps fire/effect events sorted, drops duplicates and other events, slices by time', () => {
    const fx = new FxIndex();
    fx.reset('b1', [fire(1, 100), fire(3, 300), { seq: 2, t: 200, type: 'caption', text: 'x' }]);
    fx.add([fire(3, 300), fire(0, 50), fire(5, 500)]);
    expect(fx.size).toBe(4);
    expect(fx.range(100, 500).map((e) => e.seq)).toEqual([3, 5]);
    expect(fx.range(0, 300).map((e) => e.seq)).toEqual([0, 1, 3]);
    expect(fx.range(0, 1000, 2).map((e) => e.seq)).toEqual([3, 5]);
    fx.reset('b2');
    expect(fx.range(0, 1000)).toEqual([]);
  });

  it('keeps nothing far behind the play head, and takes events handed over again after a seek back', () => {
    const move = (seq: number, t: number): BattleEvent => ({
      seq,
      t,
      type: 'unit:move',
      id: `u${seq}`,
      pos: { x: 0, y: 0 },
      vel: { x: 0, y: 0 },
      heading: 0,
    });
    const touched = (fx: FxIndex, from: number, to: number) => {
      const ids: string[] = [];
      fx.touches.forEach(from, to, (id) => ids.push(id));
      return ids;
    };
    const early = [fire(1, 1_000), move(2, 1_000)];
    const fx = new FxIndex();
    fx.reset('b', early);
    fx.add([fire(3, 40_000), move(4, 40_000)]);
    expect(fx.size).toBe(2); // nothing is dropped before a range is asked
    // A frame at 40 s looking back 1 s: what is more than KEEP_BEHIND_MS behind goes, touches too.
    expect(40_000 - 1_000).toBeGreaterThan(KEEP_BEHIND_MS);
    expect(fx.range(39_000, 40_000).map((e) => e.seq)).toEqual([3]);
    expect(fx.size).toBe(1);
    expect(touched(fx, 0, 60_000)).toEqual(['u4']);
    // A seek back, in a frame's order: the fold hands the early events over again, then the frame asks its range.
    fx.add(early);
    expect(fx.range(0, 1_500).map((e) => e.seq)).toEqual([1]);
    expect(touched(fx, 0, 1_500)).toEqual(['u2']);
    // Handed over twice, kept once.
    fx.add(early);
    expect(fx.range(0, 1_500).map((e) => e.seq)).toEqual([1]);
    expect(touched(fx, 0, 1_500)).toEqual(['u2']);
    // A longer range than KEEP_BEHIND_MS keeps its length (at 16x the views look back 64 s).
    const long = new FxIndex();
    long.reset('b', [fire(1, 1_000), fire(2, 60_000)]);
    expect(long.range(60_000 - 64_000, 60_000).map((e) => e.seq)).toEqual([1, 2]);
    expect(long.range(70_000 - 64_000, 70_000).map((e) => e.seq)).toEqual([2]);
    expect(long.size).toBe(1);
    // A batch that lost part of its fire is taken again when handed over again (a seek back into it).
    const part = new FxIndex();
    const batch = [fire(1, 10_000), fire(2, 20_000)];
    part.reset('b', batch);
    expect(part.range(41_000, 45_000)).toEqual([]); // drops what is before 15 s: the first shot, not the second
    expect(part.size).toBe(1);
    part.add(batch);
    expect(part.range(9_000, 12_000).map((e) => e.seq)).toEqual([1]);
    // Touches go even where nothing fired.
    const quiet = new FxIndex();
    quiet.reset('b', [move(1, 1_000)]);
    quiet.range(49_000, 50_000);
    expect(touched(quiet, 0, 60_000)).toEqual([]);
  });

  it('keeps volleys, and draws a volley as the shots it holds', () => {
    const bodies: FireBody[] = [
      { type: 'unit:fire', from: 'a', to: 'b', weapon: 'phaser', hit: true, shields: 10, hull: 100 },
      { type: 'unit:fire', from: 'c', to: 'b', weapon: 'torpedo', hit: false, shields: 10, hull: 100 },
      { type: 'unit:fire', from: 'a', to: 'd', weapon: 'phaser', hit: true, shields: 0, hull: 90 },
    ];
    const fires: FxEvent[] = bodies.map((b, i) => ({ seq: 10 + i, t: 1000, ...b }));
    const volley: FxEvent = { seq: 10, t: 1000, ...volleyOf(bodies) };
    const fx = new FxIndex();
    fx.reset('b', [fire(1, 900), volley, { seq: 11, t: 1000, type: 'effect', kind: 'explosion', pos: { x: 0, y: 0 }, radius: 3 }]);
    expect(fx.range(0, 1000).map((e) => e.type)).toEqual(['unit:fire', 'unit:volley', 'effect']);
    const shots = (events: FxEvent[], max = Infinity) => {
      const out: string[] = [];
      forEachShot(events, 1100, 500, max, (from, to, weapon, hit, _salt, f) => {
        out.push(`${from}>${to} ${weapon} ${hit} ${f}`);
        return true;
      });
      return out;
    };
    expect(shots([volley])).toEqual(shots(fires));
    expect(shots([volley])).toEqual(['a>d phaser true 0.2', 'c>b torpedo false 0.2', 'a>b phaser true 0.2']);
    const old: FxEvent = { seq: 1, t: 100, ...bodies[0] };
    expect(shots([old, volley], 2)).toHaveLength(2);
    // Too old to draw.
    expect(shots([old])).toEqual([]);
  });
});

describe('labels and scale bar', () => {
  it('places a label only where none is', () => {
    const p = new LabelPlacer();
    expect(p.tryPlace(0, 0, 50, 10)).toBe(true);
    expect(p.tryPlace(40, 5, 50, 10)).toBe(false);
    expect(p.tryPlace(50, 0, 50, 10)).toBe(true);
    p.reset();
    expect(p.tryPlace(40, 5, 50, 10)).toBe(true);
  });

  it('reads the battle scale label', () => {
    expect(niceStep(0.04)).toBeCloseTo(0.05);
    expect(niceStep(0.034)).toBeCloseTo(0.02);
    expect(niceStep(130)).toBe(100);
    expect(scaleText(50, '1 unit = 100 km')).toBe('5,000 km');
    expect(scaleText(100, '1 unit ≈ 2,000 km (distances compressed)')).toBe('≈ 200,000 km');
    expect(scaleText(20, 'schematic: 1 unit ≈ 0.05 ly (compressed)')).toBe('≈ 1 ly');
    expect(scaleText(10, 'abstract')).toBe('10 units (abstract)');
  });

  it('steps the speed within 0.25x..16x', () => {
    expect(nextRate(1, 1)).toBe(2);
    expect(nextRate(1, -1)).toBe(0.5);
    expect(nextRate(16, 1)).toBe(16);
    expect(nextRate(0.25, -1)).toBe(0.25);
    expect(nextRate(3, 1)).toBe(8);
  });
});

const unit = (id: string, side: string): Unit =>
  testUnit(id, { side, cls: 'c', shields: 10, maxShields: 10, hull: 100, maxHull: 100, size: 1 });

describe('strength chart (from a manifest series)', () => {
  it('samples per-side strength over time from the shared series, normalised per side', () => {
    const events: BattleEvent[] = [
      { seq: 0, t: 0, type: 'unit:spawn', unit: unit('a1', 'A') },
      { seq: 1, t: 0, type: 'unit:spawn', unit: unit('a2', 'A') },
      { seq: 2, t: 0, type: 'unit:spawn', unit: unit('b1', 'B') },
      { seq: 3, t: 4000, type: 'unit:fire', from: 'b1', to: 'a1', weapon: 'disruptor', hit: true, shields: 0, hull: 50 },
      { seq: 4, t: 7000, type: 'unit:status', id: 'a2', status: 'destroyed' },
    ];
    const m = strengthSeries(events, 10_000, 41);
    const series = seriesFromManifest(m, 10_000, [
      { id: 'A', name: 'A', color: '#f00', commanders: [] },
      { id: 'B', name: 'B', color: '#00f', commanders: [] },
    ]);
    const at = (t: number) => series.t.filter((x) => x <= t).length - 1;
    const a = series.bySide.get('A') ?? [];
    expect(a[at(3000)]).toBeCloseTo(1);
    expect(a[at(5000)]).toBeCloseTo(0.75);
    expect(a[at(9000)]).toBeCloseTo(0.25);
    expect(series.bySide.get('B')?.at(-1)).toBeCloseTo(1);
    expect(series.t.at(-1)).toBe(10_000);
    expect(series.t).toHaveLength(41);
  });
});
