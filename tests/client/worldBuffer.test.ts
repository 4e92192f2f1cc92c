import { describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { WorldBuffer } from '../../client/lib/worldBuffer.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';

// The socket-delivery world without a socket: keyframe + contiguous batches folded to the head.

const tl = buildFixtureTimeline();
const keyframe = (ms: number) => ({ branchId: tl.branchId, positionMs: ms, state: stateAt(tl.events, tl.keyframes, ms) });
const batch = (from: number, to: number) => ({
  branchId: tl.branchId,
  fromSeq: from,
  toSeq: to,
  untilMs: tl.events[to - 1].t,
  events: tl.events.slice(from, to),
});

describe('WorldBuffer', () => {
  it('folds buffered events up to the head, and refolds on a step back', () => {
    const b = new WorldBuffer();
    expect(b.stateAt(0)).toBeNull();
    const kf = keyframe(10_000);
    b.takeKeyframe(kf);
    const n = kf.state.nextSeq;
    const r = b.takeEvents(batch(n, n + 40));
    expect(r.kind).toBe('fresh');
    const t = tl.events[n + 20].t;
    expect(b.stateAt(t)).toEqual(stateAt(tl.events, tl.keyframes, t));
    expect(b.buffered).toBeGreaterThan(0);
    const back = tl.events[n + 5].t;
    expect(b.stateAt(back)).toEqual(stateAt(tl.events, tl.keyframes, back));
  });

  it('reports a gap, ignores stale or foreign batches, keeps contiguous events over a new keyframe', () => {
    const b = new WorldBuffer();
    const kf = keyframe(10_000);
    b.takeKeyframe(kf);
    const n = kf.state.nextSeq;
    expect(b.takeEvents(batch(n + 5, n + 10)).kind).toBe('gap');
    expect(b.takeEvents({ ...batch(n, n + 10), branchId: 'other' }).kind).toBe('stale');
    expect(b.takeEvents(batch(n, n + 10)).kind).toBe('fresh');
    expect(b.takeEvents(batch(n, n + 10)).kind).toBe('stale');
    const overlap = b.takeEvents(batch(n + 5, n + 15));
    expect(overlap.kind === 'fresh' && overlap.events.map((e) => e.seq)).toEqual([...Array(5).keys()].map((i) => n + 10 + i));
    // A keyframe inside what we hold keeps the rest of the log.
    const kf2 = { ...keyframe(tl.events[n + 3].t) };
    b.takeKeyframe(kf2);
    const end = tl.events[n + 14].t;
    expect(b.stateAt(end)).toEqual(stateAt(tl.events, tl.keyframes, end));
  });
});
