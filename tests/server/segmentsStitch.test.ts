import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { battles, getBattle, BranchCatalog } from '../../replays/index.js';
import { buildSegment } from '../../shared/battle/segments.js';
import { viewOfCompilation } from '../../server/timelines/segments/builder.js';
import {
  compressSegment,
  deflateStart,
  encodeSegment,
  gzipFirst,
  serializeSegment,
  startJsonOf,
  type EarlySegment,
} from '../../server/timelines/segments/encode.js';
import { Segmenter } from '../../server/timelines/segments/Segmenter.js';

// A fork's first own segment splices in its parent's start state (segmentsSplice.test.ts); its FAST gzip, which the
// first response to a waiting client carries, is stitched around that start state's deflate, made once when the
// start state was kept, instead of compressing the whole world again. The JSON (hash) is the same; the route's ETag
// for any compressed body is weak (W/"hash"), since stitched and whole gzips of it differ.

const terok = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;

async function history() {
  const catalog = new BranchCatalog(getBattle, { maxBranches: 4 });
  return { catalog, history: (await catalog.history(terok.info.id)).timeline };
}

describe('a spliced segment gzip stitched around the start state deflated ahead', () => {
  it('decodes to the same JSON, holds the start deflate verbatim, and hashes as a full build', async () => {
    const { history: h } = await history();
    const seg = buildSegment({ battleId: h.battleId }, h.events, h.keyframes, 3, 30_000, 40_000);
    const { start: _s, ...rest } = seg;
    const startJson = startJsonOf(seg);
    const startDeflated = await deflateStart(startJson);
    const s = serializeSegment({ ...rest, startJson, startDeflated }, true);
    const full = encodeSegment(seg);
    expect(s.info).toEqual(full.info);
    const early = gzipFirst(s);
    expect(gunzipSync(early.gzip).equals(s.json)).toBe(true);
    expect(Buffer.from(early.gzip).indexOf(startDeflated)).toBeGreaterThan(0);
    // The full encoding keeps that gzip (the one already served) and adds brotli.
    const enc = compressSegment(s, early);
    expect(enc.gzip).toBe(early.gzip);
    // Without the deflate made ahead: a whole gzip, the same JSON.
    const plain = gzipFirst(serializeSegment({ ...rest, startJson }, true));
    expect(Buffer.from(plain.gzip).indexOf(startDeflated)).toBe(-1);
    expect(gunzipSync(plain.gzip).equals(s.json)).toBe(true);
  });

  it("a fork's early gzip is stitched around its parent's kept start state once that is deflated", async () => {
    const { catalog, history: h } = await history();
    const early: EarlySegment[] = [];
    const segmenter = new Segmenter((p) => early.push(...(p.early ?? [])));
    const parent = segmenter.complete(h);
    const point = h.decisionPoints.find((p) => p.atMs !== null && p.atMs > 0)!;
    const spec = terok.decisions.find((d) => d.id === point.id)!;
    const other = spec.options.find((o) => !o.historical) ?? spec.options[0];
    const prepared = await catalog.prepareFork(terok.info.id, h.branchId, {
      decisionId: spec.id,
      optionId: other.id,
      ...(other.param ? { value: other.param.min } : {}),
    });
    if ('branch' in prepared) throw new Error('fork already compiled');
    const c = prepared.start();
    c.advanceTo(c.compiledMs);
    // The parent's start state at the fork-point segment's start, as kept, and its deflate (deterministic).
    const seg = parent.segments.find((x) => x.endMs === point.atMs)!;
    const parentSeg = buildSegment({ battleId: h.battleId }, h.events, h.keyframes, seg.index, seg.startMs, seg.endMs);
    const startDeflated = await deflateStart(startJsonOf(parentSeg));
    // The deflate runs on the thread pool after the parent's segments were built: each try is a fresh fork builder.
    let n = 0;
    await vi.waitFor(
      () => {
        early.length = 0;
        const b = segmenter.start(terok.info.id, `${c.meta.branchId}-${n++}`, parent, c.meta.fork);
        segmenter.advance(b, viewOfCompilation(c), () => {});
        expect(early).toHaveLength(1);
        expect(Buffer.from(early[0].gzip).indexOf(startDeflated)).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 20 },
    );
    const json = gunzipSync(early[0].gzip);
    expect(early[0].info.bytes).toBe(json.byteLength);
  }, 120_000);
});
