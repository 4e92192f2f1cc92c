import { describe, expect, it } from 'vitest';
import type { BranchManifest } from '../../shared/battle/segments.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { SegmentStore } from '../../server/timelines/SegmentStore.js';
import { firstAlternative, smallestBattle as def } from './fixtures/smallestBattle.js';

// A compile in progress pins its growing manifest in the segment store (its frontier is live). When the compile
// fails the pin goes: the manifest will not grow, and it is evicted like a finished branch's instead of held for
// the life of the process.

describe('SegmentStore and a fork whose compile fails', () => {
  it('unpins the failed fork’s manifest: past the cap it is evicted like any finished one', async () => {
    let failing: string | null = null;
    const engine = new EngineTimelineService({
      segmentPaceMs: 50,
      afterSegment: (branchId) => {
        if (branchId === failing) throw new Error('the simulation failed (test)');
      },
    });
    const store = new SegmentStore(engine, { maxBytes: 64 * 1024 * 1024, maxManifests: 1 });
    const history = (await engine.timeline(def.info.id))!;
    let started!: (m: BranchManifest) => void;
    const first = new Promise<BranchManifest>((resolve) => (started = resolve));
    const compiled = engine.fork(def.info.id, history.branchId, firstAlternative(), history.decisions, started);
    compiled.catch(() => {});
    const { branchId } = await first;
    expect(store.peekManifest(def.info.id, branchId)?.manifest.complete).toBe(false);
    // While it compiles it is pinned: another manifest past the cap of one does not push it out.
    await store.manifest(def.info.id, history.branchId);
    expect(store.peekManifest(def.info.id, branchId)?.manifest.complete).toBe(false);

    failing = branchId;
    await expect(compiled).rejects.toThrow('the simulation failed (test)');
    expect(store.frontier(def.info.id, branchId)?.complete).toBe(false); // still there (frozen) until evicted
    await store.manifest(def.info.id, history.branchId);
    expect(store.peekManifest(def.info.id, branchId)).toBeUndefined();
  }, 60_000);

  it('pins the manifest again as soon as the fork is compiled again, before the new run passes the failed frontier', async () => {
    // The branch's afterSegment calls: the first run fails at its third segment (its frontier 3 s past the fork
    // point); the second run's first segment (at the fork point, behind that frontier) waits for `resume`.
    let calls = 0;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let retryWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => (retryWaiting = resolve));
    const engine = new EngineTimelineService({
      afterSegment: async () => {
        calls++;
        if (calls === 3) throw new Error('the simulation failed (test)');
        if (calls === 4) {
          retryWaiting();
          await paused;
        }
      },
    });
    const store = new SegmentStore(engine, { maxBytes: 64 * 1024 * 1024, maxManifests: 1 });
    const history = (await engine.timeline(def.info.id))!;
    let first!: (m: BranchManifest) => void;
    const firstAck = new Promise<BranchManifest>((resolve) => (first = resolve));
    const failed = engine.fork(def.info.id, history.branchId, firstAlternative(), history.decisions, first);
    await expect(failed).rejects.toThrow('the simulation failed (test)');
    const frozen = store.frontier(def.info.id, (await firstAck).branchId)!;
    let acked!: (m: BranchManifest) => void;
    const ack = new Promise<BranchManifest>((resolve) => (acked = resolve));
    const retried = engine.fork(def.info.id, history.branchId, firstAlternative(), history.decisions, acked);
    const { branchId, fork } = await ack;
    await waiting;
    // The failed run's frontier stands (the new run is behind it: same segments, same bytes)...
    expect(frozen.compiledMs).toBeGreaterThan(fork!.atMs);
    expect(store.frontier(def.info.id, branchId)).toEqual(frozen);
    // ...and the branch is compiling again: another manifest past the cap of one does not push it out. Unpinned by
    // the failure, it was evicted here, and the compiling fork's frontier read as unknown (complete) to the loop.
    await store.manifest(def.info.id, history.branchId);
    expect(store.frontier(def.info.id, branchId)?.complete).toBe(false);
    resume();
    await retried;
    expect(store.frontier(def.info.id, branchId)?.complete).toBe(true);
    // Complete: unpinned, it goes like any finished branch's.
    await store.manifest(def.info.id, history.branchId);
    expect(store.peekManifest(def.info.id, branchId)).toBeUndefined();
  }, 60_000);
});
