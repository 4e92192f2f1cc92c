import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { battles, type BattleDefinition } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { SegmentStore } from '../../server/timelines/SegmentStore.js';
import type { BranchRecipe, SegmentProgress, SegmentSource } from '../../server/timelines/segments/types.js';
import { segmentIndexAt } from '../../shared/battle/segments.js';

// A process rebuilding a fork it never compiled: the builder pushes the fork's manifest as soon as its
// fork-point segment is listed, and the segment once compressed, while its answers to the store's asks come
// later (on the worker they wait behind that compression and the next segment). The store answers from the
// pushes, not from the late replies, and serves that segment gzipped before its brotli is made.

const unitCount = (d: BattleDefinition) => d.forces.reduce((n, f) => n + f.count, 0);
const def = [...battles].sort((a, b) => unitCount(a) - unitCount(b))[0];

/**
 * The engine as the source, its replies held until `release()`; so are its pushes of fully encoded segments (the
 * worker still making their brotli), while manifests and gzip-first segments go through at once.
 */
function heldReplies(engine: EngineTimelineService): SegmentSource & { release(): void; replies: string[] } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const replies: string[] = [];
  const listeners: ((p: SegmentProgress) => void)[] = [];
  let held: SegmentProgress[] | null = [];
  engine.onProgress((p) => {
    if (held && p.segments.length > 0) held.push(p);
    else for (const fn of listeners) fn(p);
  });
  const release = () => {
    const queued = held ?? [];
    held = null;
    for (const p of queued) for (const fn of listeners) fn(p);
    open();
  };
  const hold = async <T>(what: string, p: Promise<T>): Promise<T> => {
    const v = await p;
    await gate;
    replies.push(what);
    return v;
  };
  return {
    release,
    replies,
    manifest: (b: string, br: string, recipe?: BranchRecipe) => hold('manifest', engine.manifest(b, br, recipe)),
    segment: (b: string, br: string, i: number, recipe?: BranchRecipe) => hold('segment', engine.segment(b, br, i, recipe)),
    onProgress: (fn: (p: SegmentProgress) => void) => void listeners.push(fn),
  };
}

describe('SegmentStore answers from the builder pushes', () => {
  it('serves a rebuilt fork manifest and fork-point segment before the builder replies', async () => {
    // The fork, made elsewhere (another process): only its record (decisions, fork decision) travels.
    const spec = def.decisions.find((d) => d.options.some((o) => !o.historical))!;
    const opt = spec.options.find((o) => !o.historical)!;
    const choice = { decisionId: spec.id, optionId: opt.id, ...(opt.param ? { value: opt.param.default } : {}) };
    const elsewhere = new EngineTimelineService();
    const history = (await elsewhere.timeline(def.info.id))!;
    const made = await elsewhere.fork(def.info.id, history.branchId, choice);
    const recipe = { decisions: made.decisions, forkDecisionId: made.fork!.decisionId };

    const engine = new EngineTimelineService();
    await engine.manifest(def.info.id, history.branchId); // this process has history (its startup)
    const source = heldReplies(engine);
    const store = new SegmentStore(source, { maxBytes: 64 * 1024 * 1024 });
    const entry = await store.manifest(def.info.id, made.branchId, recipe);
    expect(source.replies).toEqual([]); // answered by the push
    const m = entry!.manifest;
    expect(m.complete).toBe(false);
    const k = segmentIndexAt(m.segments, made.fork!.atMs);
    expect(m.segments[k].endMs).toBe(made.fork!.atMs);
    // Served gzipped while its brotli is being made (the route's path): the same JSON (its hash is the manifest's).
    const early = await store.serve(def.info.id, made.branchId, k, recipe);
    expect(source.replies).toEqual([]);
    if (!early.ok) throw new Error(`segment ${k}: ${early.reason}`);
    expect('br' in early.segment).toBe(false);
    const json = gunzipSync(early.segment.gzip);
    expect(createHash('sha256').update(json).digest('hex')).toBe(m.segments[k].hash);
    source.release();
    const found = await store.segment(def.info.id, made.branchId, k, recipe);
    if (!found.ok) throw new Error(`segment ${k}: ${found.reason}`);
    expect(found.segment.info).toEqual(m.segments[k]);
    expect(gunzipSync(found.segment.gzip).equals(json)).toBe(true);
    expect(found.segment.br.byteLength).toBeGreaterThan(0);
    // Once the full encoding is in, the route serves it (brotli too).
    const later = await store.serve(def.info.id, made.branchId, k, recipe);
    expect(later.ok && 'br' in later.segment).toBe(true);
    // The same bytes as the process that made the fork.
    expect((await elsewhere.segment(def.info.id, made.branchId, k))?.info).toEqual(found.segment.info);
    const done = await store.whenCompiled(def.info.id, made.branchId, Infinity);
    expect(done.complete).toBe(true);
  }, 120_000);
});
