import { describe, expect, it } from 'vitest';
import { BranchCatalog, getBattle } from '../../replays/index.js';
import { viewOfTimeline } from '../../server/timelines/segments/builder.js';
import type { EncodedSegment } from '../../server/timelines/segments/encode.js';
import { Segmenter } from '../../server/timelines/segments/Segmenter.js';
import type { SegmentProgress } from '../../server/timelines/segments/types.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';

// A compiling fork's segments are compressed on libuv's thread pool (Segmenter.advanceAsync), so the compile
// worker's one JS thread stays free for another fork's first segment meanwhile. Same bytes as on the thread.

const battleId = 'second-battle-of-deep-space-9';

async function history() {
  return (await new BranchCatalog(getBattle, { maxBranches: 2, historyCacheDir: TEST_HISTORY_CACHE }).history(battleId)).timeline;
}

const bytes = (s: EncodedSegment) => ({
  info: s.info,
  gzip: Buffer.from(s.gzip).toString('base64'),
  br: Buffer.from(s.br).toString('base64'),
});

describe('segments compressed off the thread', () => {
  it('advanceAsync pushes the same manifest and byte-identical segments as advance', async () => {
    const tl = await history();
    const sync: SegmentProgress[] = [];
    const async: SegmentProgress[] = [];
    const a = new Segmenter((p) => sync.push(p));
    const b = new Segmenter((p) => async.push(p));
    const ma = a.advance(a.start(battleId, tl.branchId, null, null), viewOfTimeline(tl));
    const mb = await b.advanceAsync(b.start(battleId, tl.branchId, null, null), viewOfTimeline(tl));
    expect(mb).toEqual(ma);
    const segsA = sync.flatMap((p) => p.segments);
    const segsB = async.flatMap((p) => p.segments);
    expect(segsB.length).toBe(ma.segments.length);
    expect(segsB.map(bytes)).toEqual(segsA.map(bytes));
  });

  it('lets other work run while it compresses (the thread is not held)', async () => {
    const tl = await history();
    const order: string[] = [];
    const s = new Segmenter(() => {});
    setImmediate(() => order.push('other work'));
    const done = s.advanceAsync(s.start(battleId, tl.branchId, null, null), viewOfTimeline(tl)).then(() => order.push('compressed'));
    await done;
    // The synchronous advance() would have compressed every segment before the immediate could run.
    expect(order).toEqual(['other work', 'compressed']);
  });

  it('publishes the listed manifest before compressing when someone waits (onListed), then the segments', async () => {
    const tl = await history();
    const pushes: SegmentProgress[] = [];
    const s = new Segmenter((p) => pushes.push(p));
    let listedAt = -1;
    await s.advanceAsync(s.start(battleId, tl.branchId, null, null), viewOfTimeline(tl), () => (listedAt = pushes.length));
    expect(listedAt).toBe(1);
    expect(pushes[0].segments).toEqual([]);
    expect(pushes.at(-1)!.segments.length).toBe(pushes[0].manifest.segments.length);
  });

  it('listThenCompress lists now and compresses when asked: a later listing may go first, the pushes stay in order', async () => {
    const tl = await history();
    const pushes: SegmentProgress[] = [];
    const s = new Segmenter((p) => pushes.push(p));
    const b = s.start(battleId, tl.branchId, null, null);
    // A compile in progress, listed in two goes (to half way, then the rest), as a compiling fork lists them.
    const half = Math.floor(tl.durationMs / 2);
    const view = viewOfTimeline(tl);
    const partial = { ...view, compiledMs: half, complete: false, final: null };
    const first = s.listThenCompress(b, partial, () => {});
    const listedFirst = pushes.length;
    const second = s.listThenCompress(b, view, () => {});
    // Both listings pushed their manifests (the frontier moved on twice) before either compression ran.
    expect(listedFirst).toBe(1);
    expect(pushes.every((p) => p.segments.length === 0)).toBe(true);
    expect(pushes.at(-1)!.manifest.complete).toBe(true);
    const m1 = await first();
    const m2 = await second();
    // Every push carries the latest manifest: the frontier never goes back.
    expect(pushes.map((p) => p.manifest.compiledMs)).toEqual([...pushes.map((p) => p.manifest.compiledMs)].sort((a, b) => a - b));
    expect(pushes.at(-1)!.manifest).toEqual(m2);
    const segs = pushes.flatMap((p) => p.segments);
    expect(segs.map((x) => x.info.index)).toEqual(m2.segments.map((x) => x.index));
    expect(m1.segments.length).toBeLessThan(m2.segments.length);
    // The same bytes as advance() in one go.
    const ref: SegmentProgress[] = [];
    const r = new Segmenter((p) => ref.push(p));
    r.advance(r.start(battleId, tl.branchId, null, null), view);
    expect(segs.map(bytes)).toEqual(ref.flatMap((p) => p.segments).map(bytes));
  });
});
