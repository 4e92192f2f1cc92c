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
});
