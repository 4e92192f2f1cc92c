import { isDeepStrictEqual as isEqual } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { segmentIndexAt } from '../../shared/battle/segments.js';
import { SegmentWorld } from '../../client/lib/segmentWorld.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';
import { MemorySegmentSource } from './segmentSource.js';

// The client's world from segments, without a socket or a server: the world at any position equals
// the timeline's stateAt, a seek costs at most one segment, playing prefetches at the rate, and a
// compiling branch never shows an event past its frontier.

const tl = buildFixtureTimeline(); // 60 s: the 10 s grid, cut at the decision point at 30 s
/** The segment holding ms, as a client finds it (from the segment list, never by division). */
const at = (ms: number): number =>
  segmentIndexAt(
    new MemorySegmentSource(tl).bounds().map(([, endMs]) => ({ endMs })),
    ms,
  );
/** A macrotask later: a fetch that stateAt scheduled (promises only, on MemorySegmentSource) has landed. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('SegmentWorld', () => {
  it('folds to exactly stateAt, forward, backward and across boundaries', async () => {
    const src = new MemorySegmentSource(tl);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId);
    for (const ms of [0, 1, 4_999, 10_000, 10_001, 15_000, 35_500, 12_000, 59_999, 60_000, 0, 20_000]) {
      await w.load(ms);
      expect(w.stateAt(ms), `at ${ms}`).toEqual(stateAt(tl.events, tl.keyframes, ms));
    }
    // Uneven segments (a 7 s grid, also cut at the decision point at 30 s, as the server cuts them) fold the same.
    const uneven = new MemorySegmentSource(tl, 7_000);
    expect(uneven.bounds().some(([s0, e0]) => e0 - s0 !== 7_000 && e0 === 30_000)).toBe(true);
    const wu = new SegmentWorld(uneven, tl.battleId, tl.branchId);
    for (const ms of [0, 6_999, 7_000, 29_000, 30_000, 30_001, 44_000, 60_000, 3_000]) {
      await wu.load(ms);
      expect(wu.stateAt(ms), `uneven at ${ms}`).toEqual(stateAt(tl.events, tl.keyframes, ms));
    }
    // Playing forward through every boundary, in small steps, folds onto the same worlds.
    const fresh = new SegmentWorld(new MemorySegmentSource(tl), tl.battleId, tl.branchId, { cacheSegments: 3 });
    for (let ms = 0; ms <= 60_000; ms += 700) {
      await fresh.load(ms);
      expect(fresh.stateAt(ms, { playing: true, rate: 1 })).toEqual(stateAt(tl.events, tl.keyframes, ms));
    }
  });

  it('with a budget, playing spreads unpacking and folding over calls and lands on the same worlds', async () => {
    const budget = { events: 25, units: 3 };
    const w = new SegmentWorld(new MemorySegmentSource(tl), tl.battleId, tl.branchId, { budget });
    await w.load(0);
    expect(w.stateAt(0, { playing: true, rate: 16 })).toEqual(stateAt(tl.events, tl.keyframes, 0)); // the first world at once
    let spread = 0;
    // Forward in jumps (a segment landing late at 16x), then a jump into another segment (its start unpacked in slices).
    for (const ms of [4_000, 9_000, 21_000, 47_000, 59_000]) {
      await w.load(ms);
      const want = stateAt(tl.events, tl.keyframes, ms);
      let calls = 1;
      let before = w.stateAt(ms, { playing: true, rate: 16 })?.t ?? -1;
      while (!isEqual(w.stateAt(ms, { playing: true, rate: 16 }), want)) {
        const t = w.stateAt(ms, { playing: true, rate: 16 })?.t ?? -1;
        expect(t, `the world never goes back while catching up to ${ms}`).toBeGreaterThanOrEqual(before);
        before = t;
        expect(++calls, `caught up with ${ms}`).toBeLessThan(500);
      }
      if (calls > 1) spread++;
    }
    expect(spread).toBeGreaterThan(0);
    // Paused (or seeking), no budget: one call lands.
    await w.load(30_500);
    expect(w.stateAt(30_500)).toEqual(stateAt(tl.events, tl.keyframes, 30_500));
  });

  it('a seek fetches at most the one segment it lands in, none if cached', async () => {
    const src = new MemorySegmentSource(tl);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId);
    await w.load(0);
    expect(w.fetched).toEqual([0]);
    const first = w.stateAt(0);
    expect(w.stateAt(35_000)).toBe(first); // not held yet: the last frame stays up, one request made
    await settle();
    await w.load(35_000);
    expect(w.fetched).toEqual([0, at(35_000)]);
    expect(w.stateAt(35_000)).toEqual(stateAt(tl.events, tl.keyframes, 35_000));
    w.stateAt(2_000); // back into a cached segment: no request
    w.stateAt(34_000);
    expect(w.fetched).toEqual([0, at(35_000)]);
  });

  it('while playing, prefetches the next segments due within the horizon at the current rate', async () => {
    const src = new MemorySegmentSource(tl);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { prefetchWallMs: 5_000 });
    await w.load(1_000);
    w.stateAt(1_000, { playing: true, rate: 1 }); // horizon 6 s: nothing beyond segment 0
    expect(w.fetched).toEqual([0]);
    w.stateAt(6_000, { playing: true, rate: 1 }); // horizon 11 s: segment 1
    expect(w.fetched).toEqual([0, 1]);
    w.stateAt(6_000, { playing: true, rate: 4 }); // horizon 26 s: segments 1 (in flight) and 2
    expect(w.fetched).toEqual([0, 1, 2]);
    w.stateAt(6_000, { playing: false, rate: 16 }); // paused: never prefetch
    expect(w.fetched).toEqual([0, 1, 2]);
  });

  it('a progressive fork never shows an event past compiledMs, and follows the frontier as the manifest grows', async () => {
    const src = new MemorySegmentSource(tl, 10_000, 25_000); // segments 0, 1 compiled; 2 in progress
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { manifestPollMs: 10 });
    await w.load(45_000);
    expect(w.manifest?.complete).toBe(false);
    const shown = w.stateAt(45_000, { playing: true, rate: 1 })!;
    // The last compiled segment's end: nothing after 20 s, although the clock says 45 s.
    expect(shown).toEqual(stateAt(tl.events, tl.keyframes, 20_000));
    expect(w.fetched.every((i) => i <= 1)).toBe(true);
    src.frontierMs = Infinity; // the worker finishes
    await vi.waitFor(() => expect(w.manifest?.complete).toBe(true), { timeout: 2000, interval: 10 });
    await w.load(45_000);
    expect(w.stateAt(45_000)).toEqual(stateAt(tl.events, tl.keyframes, 45_000));
    w.dispose();
  });

  it('prefetches no further than aheadBytes past the next segment, and holds no more than cacheBytes', async () => {
    const src = new MemorySegmentSource(tl);
    const sizes = src.manifestAt(tl.battleId, tl.branchId).segments.map((s) => s.bytes);
    // A budget the next two segments fill: the third is not fetched ahead, although the horizon and count allow it.
    const aheadBytes = sizes[1] + sizes[2];
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { prefetchWallMs: 60_000, aheadBytes });
    await w.load(1_000);
    w.stateAt(1_000, { playing: true, rate: 16 });
    expect(w.fetched).toEqual([0, 1, 2]);
    // The smallest budget still fetches the next segment.
    const tight = new SegmentWorld(src, tl.battleId, tl.branchId, { prefetchWallMs: 60_000, aheadBytes: 1 });
    await tight.load(1_000);
    tight.stateAt(1_000, { playing: true, rate: 16 });
    expect(tight.fetched).toEqual([0, 1]);
    // cacheBytes: room for the two largest segments; the least recently used go first, never the one in use.
    const cacheBytes = [...sizes]
      .sort((a, b) => b - a)
      .slice(0, 2)
      .reduce((a, b) => a + b, 0);
    const small = new SegmentWorld(src, tl.battleId, tl.branchId, { cacheBytes });
    for (const ms of [5_000, 15_000, 25_000, 35_000, 45_000]) {
      await small.load(ms);
      small.stateAt(ms);
      const held = sizes.map((_, i) => i).filter((i) => small.has(i));
      expect(held.reduce((a, i) => a + sizes[i], 0)).toBeLessThanOrEqual(cacheBytes);
      expect(small.has(at(ms))).toBe(true);
    }
    expect(sizes.filter((_, i) => small.has(i)).length).toBeLessThan(5);
  });

  it('prefetches no more than the cache holds beside the segment in use (no fetch, evict, fetch again)', async () => {
    const src = new MemorySegmentSource(tl);
    const sizes = src.manifestAt(tl.battleId, tl.branchId).segments.map((s) => s.bytes);
    // Room for segments 0 and 1 only; the ahead budget alone would take more.
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, {
      prefetchWallMs: 60_000,
      aheadBytes: 1e9,
      cacheBytes: sizes[0] + sizes[1] + 1,
    });
    await w.load(1_000);
    for (let n = 0; n < 5; n++) {
      w.stateAt(1_000 + n, { playing: true, rate: 16 });
      await settle();
    }
    expect(w.fetched).toEqual([0, 1]);
    expect(w.has(0) && w.has(1)).toBe(true);
  });

  it('hands a held segment over (onSegment) each time the world enters it: after a seek, across a boundary', async () => {
    const seen: number[] = [];
    const w = new SegmentWorld(new MemorySegmentSource(tl), tl.battleId, tl.branchId, { onSegment: (s) => seen.push(s.index) });
    for (const ms of [5_000, 15_000]) {
      await w.load(ms);
      w.stateAt(ms);
    }
    expect(seen).toEqual([0, 1]);
    await w.load(6_000); // held: no fetch, but played afresh from its start
    w.stateAt(6_000);
    expect(w.fetched).toEqual([0, 1]);
    expect(seen).toEqual([0, 1, 0]);
    w.stateAt(7_000); // playing on in it: nothing handed over
    expect(seen).toEqual([0, 1, 0]);
    w.stateAt(16_000); // playing across the boundary into held segment 1: handed over again
    expect(seen).toEqual([0, 1, 0, 1]);
    expect(w.fetched).toEqual([0, 1]);
  });

  it('playing straight through fetches every segment once, whatever the cache holds', async () => {
    const src = new MemorySegmentSource(tl);
    const sizes = src.manifestAt(tl.battleId, tl.branchId).segments.map((s) => s.bytes);
    // With 5, recency alone evicted a segment fetched ahead before the one just played past (fetched 0-5, then 3 again).
    for (const opts of [
      { cacheSegments: 3 },
      { cacheSegments: 4 },
      { cacheSegments: 5 },
      { cacheSegments: 6 },
      { cacheBytes: Math.max(...sizes) * 2.5 },
    ]) {
      const w = new SegmentWorld(src, tl.battleId, tl.branchId, opts);
      await w.load(0);
      for (let ms = 0; ms <= tl.durationMs; ms += 250) {
        w.stateAt(ms, { playing: true, rate: 16 });
        await settle();
      }
      expect(w.fetched, JSON.stringify(opts)).toEqual(sizes.map((_, i) => i));
    }
  });

  it('keeps at most cacheSegments in memory', async () => {
    const src = new MemorySegmentSource(tl);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { cacheSegments: 2 });
    for (const ms of [5_000, 15_000, 25_000, 35_000]) {
      await w.load(ms);
      w.stateAt(ms);
    }
    const loaded = [5_000, 15_000, 25_000, 35_000].map(at);
    expect(loaded.filter((i) => w.has(i))).toEqual(loaded.slice(-2));
  });
});
