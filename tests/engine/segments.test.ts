import { describe, expect, it } from 'vitest';
import { eventIndexAfter, stateAt } from '../../shared/battle/seek.js';
import {
  buildSegment,
  packWorld,
  plannedSegmentEnd,
  segmentBounds,
  segmentEnd,
  segmentIndexAt,
  stateInSegment,
  strengthSeries,
  unpackWorld,
  STRENGTH_SAMPLES,
} from '../../shared/battle/segments.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import { emptyWorld, strengthBySide } from '../../shared/battle/state.js';
import { battles, compileBattle } from '../../replays/index.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';

describe('segments (shared format)', () => {
  const terok = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
  it('segmentIndexAt puts a boundary in the segment it ends', () => {
    const segs = [{ endMs: 10_000 }, { endMs: 14_000 }, { endMs: 20_000 }];
    expect(segmentIndexAt(segs, 0)).toBe(0);
    expect(segmentIndexAt(segs, 1)).toBe(0);
    expect(segmentIndexAt(segs, 10_000)).toBe(0);
    expect(segmentIndexAt(segs, 10_001)).toBe(1);
    expect(segmentIndexAt(segs, 14_000)).toBe(1);
    expect(segmentIndexAt(segs, 20_000)).toBe(2);
    expect(segmentIndexAt(segs, 20_001)).toBe(3); // past the listed segments
  });

  it('cuts segments on the grid and at every decision point (a what-if choice too: no ramp), only once events are final', () => {
    // Every decision but the first as history has it; the first otherwise.
    const first = terok.decisions[0];
    const other = first.options.find((o) => !o.historical && !o.param) ?? first.options.find((o) => !o.historical)!;
    const decisions = [{ decisionId: first.id, optionId: other.id, ...(other.param ? { value: other.param.min } : {}) }];
    const tl = compileBattle(terok, { decisions }).timeline;
    const points = tl.events.filter((e) => e.type === 'decision:point').map((e) => e.t);
    expect(tl.events.some((e) => e.type === 'decision:made' && !e.historical)).toBe(true);
    const bounds = segmentBounds(tl.events, tl.durationMs, 10_000);
    const ends = bounds.map(([, end]) => end);
    for (const t of points) if (t > 0) expect(ends).toContain(t);
    for (const [start, end] of bounds) {
      const grid = (Math.floor(start / 10_000) + 1) * 10_000;
      // The grid, else a decision point before it, else the end: nothing else cuts a segment.
      expect(end === grid || points.includes(end) || end === tl.durationMs).toBe(true);
      expect(end).toBeLessThanOrEqual(grid);
    }
    // plannedSegmentEnd needs no event at all: what a compile in progress simulates up to.
    for (const [start, end] of bounds) expect(plannedSegmentEnd(start, 10_000)).toBeGreaterThanOrEqual(end);
    const p = points.find((t) => t % 10_000 !== 0)!;
    const start = Math.floor(p / 10_000) * 10_000;
    expect(segmentEnd(tl.events, start, 10_000, p - 1)).toBeNull(); // not known yet
    expect(segmentEnd(tl.events, start, 10_000, p)).toBe(p);
  });

  it('pack/unpack round-trips a world losslessly', () => {
    const tl = buildFixtureTimeline();
    const s = stateAt(tl.events, tl.keyframes, 30_000);
    expect(unpackWorld(JSON.parse(JSON.stringify(packWorld(s))))).toEqual(s);
  });

  it.each([
    ['fixture', () => buildFixtureTimeline()],
    ['battle-of-terok-nor', () => compileBattle(terok).timeline],
  ])('%s: folding segment k from its start equals stateAt at every boundary', (_name, make) => {
    const tl = make();
    const bounds = segmentBounds(tl.events, tl.durationMs, 10_000);
    const ids = { battleId: tl.battleId, branchId: tl.branchId };
    let seen = stateAt(tl.events, tl.keyframes, 0).nextSeq; // events at t = 0 live in segment 0's start state
    for (const [k, [startMs, endMs]] of bounds.entries()) {
      const seg = JSON.parse(JSON.stringify(buildSegment(ids, tl.events, tl.keyframes, k, startMs, endMs))) as ReturnType<
        typeof buildSegment
      >;
      const start = unpackWorld(seg.start);
      expect(start).toEqual(stateAt(tl.events, tl.keyframes, startMs));
      expect(seg.firstSeq).toBe(seen);
      seen += seg.events.length;
      expect(stateInSegment(start, seg, seg.endMs)).toEqual(stateAt(tl.events, tl.keyframes, seg.endMs));
      const mid = (startMs + endMs) / 2;
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

  it('strength series folded in place equals the copying fold, sample by sample (the battles under 5,000 units, and a fork)', () => {
    // The reference: the state folded with applyEvents (copies) and strengthBySide at every sample, as before.
    const reference = (events: Parameters<typeof strengthSeries>[0], durationMs: number) => {
      const stepMs = Math.max(1, Math.ceil(durationMs / (STRENGTH_SAMPLES - 1)));
      const rows: ReturnType<typeof strengthBySide>[] = [];
      let state = emptyWorld();
      let from = 0;
      for (let i = 0, t = 0; i < STRENGTH_SAMPLES; i++, t += stepMs) {
        const end = eventIndexAfter(events, t);
        state = applyEvents(state, events.slice(from, end));
        from = end;
        rows.push(strengthBySide(state));
      }
      return rows;
    };
    const small = battles.filter((b) => b.forces.reduce((n, f) => n + f.count, 0) < 5_000);
    const spec = terok.decisions[0];
    const alt = spec.options.find((o) => !o.historical)!;
    const timelines = [
      ...small.map((b) => compileBattle(b).timeline),
      compileBattle(terok, { decisions: [{ decisionId: spec.id, optionId: alt.id }] }).timeline,
    ];
    for (const tl of timelines) {
      const s = strengthSeries(tl.events, tl.durationMs);
      const rows = reference(tl.events, tl.durationMs);
      for (const [i, row] of rows.entries())
        for (const side of Object.keys(s.ships)) {
          expect(s.ships[side][i]).toBe(row[side]?.ships ?? 0);
          expect(s.strength[side][i]).toBe(Math.round((row[side]?.strength ?? 0) * 100) / 100);
        }
      expect(Object.keys(s.ships).sort()).toEqual(Object.keys(rows.at(-1)!).sort());
    }
  });
});
