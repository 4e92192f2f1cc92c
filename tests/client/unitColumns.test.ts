import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import { foldInto } from '../../shared/battle/reducer.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { Unit } from '../../shared/battle/types.js';
import { Camera } from '../../client/src/room/tactical/camera.js';
import { FxIndex } from '../../client/src/room/tactical/fxIndex.js';
import { LabelPlacer } from '../../client/src/room/tactical/labels.js';
import { drawUnits, hitId, newHitGrid, type HitGrid } from '../../client/src/room/tactical/unitLayer.js';
import { testUnit } from '../fixtures/units.js';

// The unit layer's columns (client/src/room/tactical/unitLayer.ts): a world folded in place keeps its unit list, and
// the layer re-reads only the units its events name. Where it draws a unit is where the folded world says the unit
// is, after moves, stops and side changes. The canvas is a recorder (no DOM here): what is checked is the hit grid,
// the screen positions the layer computed.

class RecordingPath {
  moveTo(): void {}
  lineTo(): void {}
  arc(): void {}
  rect(): void {}
  closePath(): void {}
}
(globalThis as { Path2D?: unknown }).Path2D ??= RecordingPath;
const ctx = new Proxy({} as Record<string | symbol, unknown>, {
  get: (_t, k) => (k === 'getTransform' ? () => ({ a: 1 }) : k === 'measureText' ? () => ({ width: 10 }) : () => {}),
  set: () => true,
}) as unknown as CanvasRenderingContext2D;

const N = 1_500; // more than the layer's rolling backstop re-reads in two frames (512 each)

function world(): WorldState {
  const units: Record<string, Unit> = {};
  for (let i = 0; i < N; i++)
    units[`s-${i}`] = testUnit(`s-${i}`, { side: i % 2 ? 'A' : 'B', pos: { x: i % 100, y: Math.floor(i / 100) }, vel: { x: 0, y: 0 } });
  return { t: 0, nextSeq: 0, units, fields: {}, objectives: {} } as unknown as WorldState;
}

function drawnAt(hit: HitGrid, id: string, cam: Camera): { x: number; y: number } | null {
  for (let i = 0; i < hit.count; i++)
    if (hitId(hit, i) === id) return { x: Math.round(hit.x[i] - cam.toScreenX(0)), y: Math.round(hit.y[i] - cam.toScreenY(0)) };
  return null;
}

describe('unit layer columns', () => {
  it('draws a world folded in place where its events put the units, re-reading only those', () => {
    let state = world();
    const list = Object.values(state.units);
    const cam = new Camera();
    cam.resize(1000, 1000);
    cam.fit({ width: 100, height: 100, scaleLabel: '', features: [] }, 0);
    const fx = new FxIndex();
    const hit = newHitGrid();
    const frame = (t: number) =>
      drawUnits(ctx, cam, list, {
        t,
        colorOf: () => '#ff0000',
        hoverId: null,
        hit,
        labels: new LabelPlacer(),
        touches: fx.touches,
        worldT: state.t,
      });
    frame(0);
    const px = (x: number) => Math.round(x * cam.scale);
    expect(drawnAt(hit, 's-1200', cam)).toEqual({ x: px(0), y: px(12) });

    const events: BattleEvent[] = [
      { seq: 0, t: 100, type: 'unit:move', id: 's-1200', pos: { x: 50, y: 50 }, vel: { x: 10, y: 0 }, heading: 0 },
      { seq: 1, t: 100, type: 'unit:status', id: 's-1300', status: 'retreated' },
    ];
    // The world folds in place (the same list), the layer is told the events, and draws at t = 1100 ms.
    state = foldInto(state, events);
    expect(Object.values(state.units)[1200]).toBe(list[1200]);
    fx.add(events);
    frame(1100);
    expect(drawnAt(hit, 's-1200', cam)).toEqual({ x: px(60), y: px(50) }); // 50 + 10 units/s for 1 s
    expect(drawnAt(hit, 's-1300', cam)).toBeNull(); // retreated: not drawn

    // A change the layer was not told of is still drawn within a few frames (the rolling backstop).
    const u = state.units['s-1400'];
    u.pos = { x: 1, y: 1 };
    let frames = 0;
    while (JSON.stringify(drawnAt(hit, 's-1400', cam)) !== JSON.stringify({ x: px(1), y: px(1) }) && frames < 10) {
      frame(1100);
      frames++;
    }
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(10);
  });
});
