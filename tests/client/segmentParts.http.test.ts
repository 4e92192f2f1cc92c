import { describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { segmentIndexAt, type BranchManifest } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import { SegmentWorld } from '../../client/lib/segmentWorld.js';
import { createApi } from '../../client/src/api.js';
import { gatedServer } from '../server/fixtures/segmentGate.js';
import { smallestBattle } from '../server/fixtures/smallestBattle.js';
import { quietPeriod, until } from '../server/helpers.js';

// A SegmentWorld over the real HTTP api following a fork as the server compiles it in parts: it shows positions past
// the last listed segment (up to compiledMs) while the fork compiles, its world there is the finished fork's, and it
// fetches no segment it played from parts.

const def = smallestBattle;

/** The real HTTP api; its fetch notes the manifest long-polls in flight and those aborted (their `after`). */
function notingApi(url: string) {
  const polling: number[] = [];
  const aborted: number[] = [];
  const api = createApi(url, async (input, init) => {
    const after = /\/manifest\?.*after=(\d+)/.exec(String(input))?.[1];
    if (after) polling.push(Number(after));
    try {
      return await fetch(input, init);
    } catch (err) {
      if (after && init?.signal?.aborted) aborted.push(Number(after));
      throw err;
    } finally {
      if (after) polling.splice(polling.indexOf(Number(after)), 1);
    }
  });
  return { api, polling, aborted };
}

describe('SegmentWorld following a compiling fork over HTTP', () => {
  // The compile waits after each segment for the test's go-ahead: the world catches up with every segment listed.
  const { gate, engine, server, fork: makeFork } = gatedServer();

  it('answers past the last listed segment while the fork compiles, with the final timeline’s world', async () => {
    const s = server();
    const forked = await makeFork();
    const { roomId } = forked;
    const { branchId, fork } = forked.branch;
    const atMs = fork!.atMs;
    const { api, polling } = notingApi(s.url);
    const plain = (): Promise<BranchManifest> => api.getManifest(def.info.id, branchId);
    // At most a long-poll per 250 ms (the default): the first answer after a go-ahead (the compile's first part past
    // the segment it held at) stays the world's manifest for a while.
    const w = new SegmentWorld(api, def.info.id, branchId, { room: roomId });
    await w.load(atMs);
    const forkIndex = w.fetched[0];
    expect(w.manifest?.segments[forkIndex].endMs).toBe(atMs);

    // Shown past the last listed segment of the world's manifest: [position, a copy of the world there].
    const past: [number, WorldState][] = [];
    const frame = (): boolean => {
      const m = w.manifest!;
      const pos = m.compiledMs;
      const state = w.stateAt(pos, { playing: true, rate: 16 });
      const covered = w.covers(pos);
      if (state && covered && pos > m.segments.at(-1)!.endMs && past.at(-1)?.[0] !== pos) past.push([pos, structuredClone(state)]);
      return covered;
    };
    let released = 0;
    for (let n = 0; n < 6; n++) {
      await until(() => gate.holds > released, 5_000, 'the compile held after a segment');
      const now = await plain();
      if (now.complete) break;
      await until(() => frame() && w.compiledMs >= now.compiledMs, 5_000, `the world at ${now.compiledMs}`);
      // The world's long-poll waits on the server for the compile to move on: then let it.
      await until(() => polling.includes(now.compiledMs), 5_000, 'a long-poll in flight');
      await quietPeriod(50); // the request reaches the server
      released++;
      gate.release();
      // Answered at the compile's first part past the segment held: the world plays there from the parts.
      await until(() => frame() && w.compiledMs > now.compiledMs, 5_000, 'the world past the segment held');
    }
    gate.open();
    await s.app.segments.whenCompiled(def.info.id, branchId, Infinity);
    await until(() => w.manifest?.complete, 5_000, 'the complete manifest');
    const tl = await engine.timeline(def.info.id, branchId, forked.branch.decisions);
    if (!tl) throw new Error('no timeline');

    expect(past.length).toBeGreaterThan(2);
    for (const [pos, state] of past) expect(state, `at ${pos}`).toEqual(stateAt(tl.events, tl.keyframes, pos));
    // Every segment after the fork point it played was followed by its parts, never fetched.
    const final = w.manifest!;
    const playedTo = segmentIndexAt(final.segments, past.at(-1)![0]);
    expect(playedTo).toBeGreaterThan(forkIndex + 2);
    expect(w.fetched.filter((k) => k > forkIndex && k < playedTo)).toEqual([]);
    expect(w.fetchedParts.length).toBeGreaterThan(past.length);
    // And the world goes on to the end of the fork from there.
    const end = final.durationMs;
    await until(() => frame() && w.covers(end), 5_000, 'the end of the fork');
    expect(w.stateAt(end)).toEqual(stateAt(tl.events, tl.keyframes, end));
    w.dispose();
  });
});

describe('SegmentWorld leaving a compiling fork over HTTP', () => {
  const { gate, server, fork: makeFork } = gatedServer();

  it('aborts the manifest long-poll in flight when disposed (no connection held for the server’s wait)', async () => {
    const s = server();
    const forked = await makeFork();
    const { branchId, fork } = forked.branch;
    const { api, polling, aborted } = notingApi(s.url);
    const errors: Error[] = [];
    const w = new SegmentWorld(api, def.info.id, branchId, { room: forked.roomId, onError: (e) => errors.push(e) });
    await w.load(fork!.atMs);
    // The compile holds after a segment: the world's long-poll waits on the server (up to MANIFEST_WAIT_MS, 4 s).
    try {
      await until(() => gate.holds > 0, 5_000, 'the compile held after a segment');
      // A long-poll past what the compile holds (one past an older compiledMs is answered at once).
      const held = await api.getManifest(def.info.id, branchId);
      await until(() => polling.includes(held.compiledMs), 5_000, 'a long-poll in flight');
      await quietPeriod(50); // the request reaches the server
      const t0 = performance.now();
      w.dispose();
      await until(() => polling.length === 0, 1_000, 'the long-poll aborted');
      expect(performance.now() - t0).toBeLessThan(1_000);
      expect(aborted).toEqual([held.compiledMs]);
      // Given up on purpose: not reported as an error.
      await quietPeriod(50);
      expect(errors).toEqual([]);
    } finally {
      gate.open();
    }
  });
});
