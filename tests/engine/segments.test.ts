import { describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import {
  buildSegment, packWorld, segmentCount, segmentIndexAt, stateInSegment, strengthSeries, unpackWorld, STRENGTH_SAMPLES,
} from '../../shared/battle/segments.js';
import { strengthBySide } from '../../shared/battle/state.js';
import { battles, compileBattle } from '../../replays/index.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';

describe('segments (shared format)', () => {
  it('segmentIndexAt puts a boundary in the segment it ends', () => {
    expect(segmentIndexAt(0, 10_000)).toBe(0);
    expect(segmentIndexAt(1, 10_000)).toBe(0);
    expect(segmentIndexAt(10_000, 10_000)).toBe(0);
    expect(segmentIndexAt(10_001, 10_000)).toBe(1);
    expect(segmentCount(60_000, 10_000)).toBe(6);
    expect(segmentCount(60_001, 10_000)).toBe(7);
  });

  it('pack/unpack round-trips a world losslessly', () => {
    const tl = buildFixtureTimeline();
    const s = stateAt(tl.events, tl.keyframes, 30_000);
    expect(unpackWorld(JSON.parse(JSON.stringify(packWorld(s))))).toEqual(s);
  });

  const terok = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
  it.each([
    ['fixture', () => buildFixtureTimeline()],
    ['battle-of-terok-nor', () => compileBattle(terok).timeline],
  ])('%s: folding segment k from its start equals stateAt at every boundary', (_name, make) => {
    const tl = make();
    const ms = 10_000;
    const n = segmentCount(tl.durationMs, ms);
    const ids = { battleId: tl.battleId, branchId: tl.branchId };
    let seen = stateAt(tl.events, tl.keyframes, 0).nextSeq; // events at t = 0 live in segment 0's start state
    for (let k = 0; k < n; k++) {
      const seg = JSON.parse(JSON.stringify(buildSegment(ids, tl.events, tl.keyframes, k, ms))) as ReturnType<typeof buildSegment>;
      const start = unpackWorld(seg.start);
      expect(start).toEqual(stateAt(tl.events, tl.keyframes, k * ms));
      expect(seg.firstSeq).toBe(seen);
      seen += seg.events.length;
      expect(stateInSegment(start, seg, seg.endMs)).toEqual(stateAt(tl.events, tl.keyframes, seg.endMs));
      const mid = k * ms + ms / 2;
      expect(stateInSegment(start, seg, mid)).toEqual(stateAt(tl.events, tl.keyframes, mid));
    }
    expect(seen).toBe(tl.events.length);
  });

  it('strength series samples every side evenly and ends at the final counts', () => {
    const tl = buildFixtureTimeline();
    const s = strengthSeries(tl.events, tl.durationMs);
    const end = strengthBySide(stateAt(tl.events, tl.keyframes, tl.durationMs));
    for (const side of Object.keys(end)) {
      expect(s.ships[side]).toHaveLength(STRENGTH_SAMPLES);
      expect(s.ships[side].at(-1)).toBe(end[side].ships);
    }
  });
});
