import { isDeepStrictEqual as isEqual } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { segmentIndexAt } from '../../shared/battle/segments.js';
import { type FoldBudget, SegmentWorld } from '../../client/lib/segmentWorld.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';
import { CompilingSegmentSource } from './compilingSource.js';

// A SegmentWorld following a branch that compiles in parts: it plays up to compiledMs (not only to the last listed
// segment's end) on the world it carries across boundaries, never fetches a segment whose parts it folded whole, and
// fetches a segment only for its start state (a seek, a step back).

const tl = buildFixtureTimeline(); // 60 s; segments 0-10, 10-20, 20-30 (decision point at 30 s), then short ones and the grid
const bounds = new CompilingSegmentSource(tl, Infinity, 0).bounds();
/** The segment holding ms (from the segment list, never by division). */
const at = (ms: number): number =>
  segmentIndexAt(
    bounds.map(([, endMs]) => ({ endMs })),
    ms,
  );
const want = (ms: number) => stateAt(tl.events, tl.keyframes, ms);
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Call stateAt (playing) until it shows the timeline's world at ms; the calls it took. */
async function playTo(w: SegmentWorld, ms: number, rate = 4): Promise<number> {
  for (let calls = 1; calls < 400; calls++) {
    if (isEqual(w.stateAt(ms, { playing: true, rate }), want(ms))) return calls;
    await settle();
  }
  throw new Error(`never showed ${ms}: at t=${w.stateAt(ms, { playing: true, rate })?.t}`);
}

describe('SegmentWorld following parts', () => {
  it.each<[string, number, FoldBudget | undefined]>([
    ['1.5 s ahead', 1_500, undefined],
    ['1.5 s ahead, a budget', 1_500, { events: 3, units: 2 }],
    // The next segment is listed (with its parts) while the world plays the one before: prefetched by parts.
    ['12 s ahead', 12_000, undefined],
  ])(
    'plays past the last listed segment up to compiledMs, and never fetches a segment it folded from parts (compiled %s)',
    async (_, lead, budget) => {
      const src = new CompilingSegmentSource(tl, 15_000, 20_000); // compiled whole before 20 s (the fork point), then in parts
      const w = new SegmentWorld(src, tl.battleId, tl.branchId, { manifestPollMs: 5, budget });
      await w.load(0);
      let fromParts = 0;
      for (let ms = 0; ms <= 52_000; ms += 500) {
        // The worker keeps ahead of the play head.
        src.advance(Math.min(59_000, Math.max(src.frontierMs, ms + lead))); // completes below
        const compiled = src.manifestAt(tl.battleId, tl.branchId).compiledMs;
        await vi.waitFor(() => expect(w.compiledMs).toBe(compiled), { timeout: 2_000, interval: 2 });
        const m = w.manifest!;
        const lastEnd = m.segments.at(-1)!.endMs;
        await playTo(w, Math.min(ms, m.compiledMs));
        if (ms > lastEnd && ms <= m.compiledMs) {
          expect(w.covers(ms), `covers ${ms} from parts`).toBe(true);
          expect(segmentIndexAt(m.segments, ms)).toBe(m.segments.length); // past the listed segments
          fromParts++;
        }
      }
      if (lead < 10_000) expect(fromParts).toBeGreaterThan(20);
      // Only the segments compiled whole were fetched; every later one was played from its parts.
      expect(w.fetched).toEqual([0, 1]);
      expect(w.fetchedParts).toContain(`${at(45_000)}/4`);
      expect(new Set(w.fetchedParts).size).toBe(w.fetchedParts.length); // each part once
      // The worker finishes: the parts are gone, the rest comes in segments, and the world is the final timeline's.
      src.advance(Infinity);
      await vi.waitFor(() => expect(w.manifest?.complete).toBe(true), { timeout: 2_000, interval: 2 });
      for (let ms = 52_500; ms <= 60_000; ms += 500) await playTo(w, ms);
      expect(w.fetched.filter((k) => k >= at(20_001) && k < at(50_001))).toEqual([]);
      w.dispose();
    },
  );

  it('a seek into the segment in progress fetches the last listed segment and folds the parts on', async () => {
    const src = new CompilingSegmentSource(tl, 45_500, 20_000);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { manifestPollMs: 5 });
    const m = await w.loadManifest();
    expect(m.compiledMs).toBe(45_000);
    expect(m.segments.at(-1)!.endMs).toBe(40_000);
    expect(w.stateAt(44_500)).toBeNull(); // nothing held yet: the last listed segment and the parts are on their way
    await vi.waitFor(() => expect(w.covers(44_500)).toBe(true), { timeout: 2_000, interval: 2 });
    expect(w.stateAt(44_500)).toEqual(want(44_500));
    expect(w.fetched).toEqual([at(40_000)]);
    expect(w.fetchedParts).toEqual(['7/0', '7/1', '7/2', '7/3', '7/4'].map((p) => p.replace('7', String(at(40_001)))));
    // Past compiledMs: the frontier's world, never further.
    expect(w.stateAt(48_000)).toEqual(want(45_000));
    // A step back inside the segment in progress refolds from the listed segment held: no request.
    expect(w.stateAt(41_200)).toEqual(want(41_200));
    expect(w.stateAt(40_000)).toEqual(want(40_000));
    expect(w.stateAt(44_000)).toEqual(want(44_000));
    expect(w.fetched).toEqual([at(40_000)]);
    // A seek away whose segment is still on its way leaves the world where it was, parts and all.
    let release: () => void = () => {};
    src.gate = new Promise((r) => (release = r));
    expect(w.stateAt(5_000)).toEqual(want(44_000)); // the last frame stays up
    expect(w.stateAt(44_900)).toEqual(want(44_900));
    release();
    await vi.waitFor(() => expect(w.has(0)).toBe(true), { timeout: 2_000, interval: 2 });
    expect(w.stateAt(5_000)).toEqual(want(5_000));
    w.dispose();
  });

  it('load() resolves with the parts in, and a step back into a segment played from its parts fetches it', async () => {
    const src = new CompilingSegmentSource(tl, 42_000, 20_000);
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { manifestPollMs: 5 });
    await w.load(41_000); // seek into the segment in progress
    expect(w.covers(41_000)).toBe(true);
    expect(w.stateAt(41_000)).toEqual(want(41_000));
    const k = at(41_000);
    // Play on through the end of segment k (listed meanwhile) into k+1, by parts only.
    for (let ms = 41_000; ms <= 53_000; ms += 500) {
      src.advance(ms + 1_000);
      await vi.waitFor(() => expect(w.compiledMs).toBeGreaterThanOrEqual(ms), { timeout: 2_000, interval: 2 });
      await playTo(w, ms);
    }
    expect(w.manifest!.segments.length).toBeGreaterThan(k); // k is listed now
    expect(w.fetched).toEqual([k - 1]);
    expect(w.has(k)).toBe(false);
    // Back into k (the cursor is in k+1): its start state is needed, so k is fetched, once.
    w.stateAt(45_000);
    await vi.waitFor(() => expect(w.has(k)).toBe(true), { timeout: 2_000, interval: 2 });
    expect(w.stateAt(45_000)).toEqual(want(45_000));
    expect(w.fetched).toEqual([k - 1, k]);
    // And forward again into k+1, played from its parts again (the cursor carries the world over).
    expect(w.stateAt(52_500)).toEqual(want(52_500));
    expect(w.fetched).toEqual([k - 1, k]);
    w.dispose();
  });

  it('a source without getPart ignores the parts: the last listed segment end, plain polls', async () => {
    const src = new CompilingSegmentSource(tl, 45_500, 20_000);
    const plain = { getManifest: src.getManifest.bind(src), getSegment: src.getSegment.bind(src) };
    const w = new SegmentWorld(plain, tl.battleId, tl.branchId, { manifestPollMs: 5 });
    await w.load(44_500);
    expect(w.manifest?.parts?.length).toBeGreaterThan(0);
    expect(w.stateAt(44_500, { playing: true, rate: 1 })).toEqual(want(40_000));
    expect(w.fetched).toEqual([at(40_000)]);
    await new Promise((r) => setTimeout(r, 30));
    expect(src.afters.length).toBeGreaterThan(1);
    expect(src.afters.every((a) => a === undefined)).toBe(true);
    expect(src.requests.some((r) => r.startsWith('part:'))).toBe(false);
    w.dispose();
  });

  it('long-polls the manifest with the compiledMs it holds, at most once per manifestPollMs', async () => {
    const src = new CompilingSegmentSource(tl, 25_000, 20_000);
    src.holdMs = 0; // answers at once: the period alone paces the requests
    const w = new SegmentWorld(src, tl.battleId, tl.branchId, { manifestPollMs: 40 });
    await w.loadManifest();
    await new Promise((r) => setTimeout(r, 420));
    const polls = src.afters.slice(1);
    expect(polls.every((a) => a === 25_000)).toBe(true);
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(11);
    w.dispose();
    // Held by the server until the frontier moves: one request answers the move.
    const held = new CompilingSegmentSource(tl, 25_000, 20_000);
    const w2 = new SegmentWorld(held, tl.battleId, tl.branchId, { manifestPollMs: 5 });
    await w2.loadManifest();
    await new Promise((r) => setTimeout(r, 100));
    expect(held.afters).toEqual([undefined, 25_000]);
    held.advance(26_000);
    await vi.waitFor(() => expect(w2.compiledMs).toBe(26_000), { timeout: 1_000, interval: 2 });
    w2.dispose();
  });
});
