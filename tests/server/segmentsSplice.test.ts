import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { battles, getBattle, historicalChoice, BranchCatalog } from '../../replays/index.js';
import { buildSegment, forkPointSegment, type SegmentPayload } from '../../shared/battle/segments.js';
import { viewOfCompilation, viewOfTimeline, type BranchView } from '../../server/timelines/segments/builder.js';
import { encodeSegment, type EncodedSegment } from '../../server/timelines/segments/encode.js';
import { Segmenter } from '../../server/timelines/segments/Segmenter.js';

// A fork's first own segment (the one ending at its fork point) splices in the start state its parent
// serialized when it compiled; the bytes must be exactly those of a build from scratch.

const view = viewOfCompilation;

describe('fork segments reuse the parent start state', () => {
  it.each(battles.map((b) => b.info.id))(
    '%s: the fork-point segment is spliced from the parent and byte-identical to a full build',
    async (battleId) => {
      const def = getBattle(battleId)!;
      const catalog = new BranchCatalog(getBattle, { maxBranches: 4 });
      const history = (await catalog.history(battleId)).timeline;
      const published: EncodedSegment[] = [];
      const segmenter = new Segmenter((p) => published.push(...p.segments));
      // The first decision reached after t = 0; the parent's segments are built up to it only (as a 20,000-unit
      // history's all are, at startup, but faster).
      const point = history.decisionPoints.find((p) => p.atMs !== null && p.atMs > 0)!;
      const upTo: BranchView = { ...viewOfTimeline(history), compiledMs: point.atMs!, complete: false, final: null };
      const parent = segmenter.advance(segmenter.start(battleId, history.branchId, null, null), upTo);
      expect(parent.segments.at(-1)?.endMs).toBe(point.atMs);
      expect(segmenter.startStateBytes).toBeGreaterThan(0);
      const spec = def.decisions.find((d) => d.id === point.id)!;
      const hist = historicalChoice(spec);
      const other = spec.options.find((o) => o.id !== hist.optionId) ?? spec.options[0];
      const value = other.param ? (other.param.min === hist.value ? other.param.max : other.param.min) : undefined;
      const prepared = await catalog.prepareFork(battleId, history.branchId, { decisionId: spec.id, optionId: other.id, value });
      if ('branch' in prepared) throw new Error('fork already compiled');
      const c = prepared.start();
      c.advanceTo(c.compiledMs); // no simulation: the segment ending at the fork point is final already
      const fork = c.meta.fork!;
      const before = segmenter.startStateReuses;
      const b = segmenter.start(battleId, c.meta.branchId, parent, fork);
      published.length = 0;
      const m = segmenter.advance(b, view(c));
      expect(segmenter.startStateReuses).toBe(before + 1);
      const own = published.find((s) => s.info.endMs === fork.atMs)!;
      expect(own).toBeDefined();
      expect(own.info.startMs).toBeLessThan(fork.atMs);
      // The parent's segment over the same range starts from the same world, but holds other events (no choice).
      expect(parent.segments.find((s) => s.startMs === own.info.startMs)?.hash).not.toBe(own.info.hash);
      const scratch = encodeSegment(buildSegment({ battleId }, c.events, c.keyframes, own.info.index, own.info.startMs, fork.atMs));
      expect(own.info).toEqual(scratch.info);
      expect(Buffer.from(gunzipSync(own.gzip)).equals(Buffer.from(gunzipSync(scratch.gzip)))).toBe(true);
      expect(m.segments.at(-1)).toEqual(scratch.info);
      // A client holding the parent's segment over that range makes this one itself from the manifest's forkEvents
      // (client/lib/forkSeed.ts): the same payload, byte for byte.
      expect(m.forkEvents?.length).toBeGreaterThan(0);
      const parentSeg = JSON.parse(
        JSON.stringify(buildSegment({ battleId }, history.events, history.keyframes, own.info.index, own.info.startMs, fork.atMs)),
      ) as SegmentPayload;
      const made = forkPointSegment(parentSeg, m);
      expect(made).not.toBeNull();
      expect(createHash('sha256').update(JSON.stringify(made)).digest('hex')).toBe(own.info.hash);
      // Another range does not line up.
      expect(forkPointSegment({ ...parentSeg, startMs: parentSeg.startMs - 1 }, m)).toBeNull();
      // Asked for again while the fork compiles: the compressed segment the builder kept (not encoded again).
      expect(b.rebuild(view(c), own.info.index)?.info.hash).toBe(scratch.info.hash);
      expect(segmenter.startStateReuses).toBe(before + 1);
      // A fresh builder (the branch asked for again after its builder was dropped): spliced again, same bytes.
      const again = segmenter.start(battleId, `${c.meta.branchId}-again`, parent, fork);
      segmenter.advance(again, view(c));
      expect(segmenter.startStateReuses).toBe(before + 2);
      expect(again.manifest?.segments.at(-1)?.hash).toBe(scratch.info.hash);
    },
    600_000,
  );

  it('lists a fork-point segment before compressing it: manifest pushed, then the ack, then the segment (gzip first)', async () => {
    const def = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
    const battleId = def.info.id;
    const catalog = new BranchCatalog(getBattle, { maxBranches: 4 });
    const history = (await catalog.history(battleId)).timeline;
    const order: string[] = [];
    const pushed: EncodedSegment[] = [];
    const segmenter = new Segmenter((p) => {
      order.push(p.early ? `early:${p.early.length}` : `push:${p.segments.length}`);
      pushed.push(...p.segments);
    });
    const parent = segmenter.complete(history);
    const point = history.decisionPoints.find((p) => p.atMs !== null && p.atMs > 0)!;
    const spec = def.decisions.find((d) => d.id === point.id)!;
    const other = spec.options.find((o) => !o.historical) ?? spec.options[0];
    const value = other.param ? other.param.min : undefined;
    const prepared = await catalog.prepareFork(battleId, history.branchId, { decisionId: spec.id, optionId: other.id, value });
    if ('branch' in prepared) throw new Error('fork already compiled');
    const c = prepared.start();
    c.advanceTo(c.compiledMs);
    const b = segmenter.start(battleId, c.meta.branchId, parent, c.meta.fork);
    order.length = 0;
    pushed.length = 0;
    const m = segmenter.advance(b, view(c), (listed) => {
      order.push('listed');
      expect(listed.segments.at(-1)?.endMs).toBe(point.atMs);
    });
    // The fork-point segment (fast: someone waits on it) goes out gzipped first, then with its brotli.
    expect(order).toEqual(['push:0', 'listed', 'early:1', 'push:1']);
    const own = pushed[0];
    expect(m.segments.at(-1)).toEqual(own.info);
    // Asked for again while the fork compiles (a request that came in between): the segment kept, not encoded again.
    expect(b.rebuild(view(c), own.info.index)).toBe(own);
  }, 120_000);

  it('does not reuse a start state when none is kept (budget 0), with the same bytes', async () => {
    const def = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
    const catalog = new BranchCatalog(getBattle, { maxBranches: 4 });
    const history = (await catalog.history(def.info.id)).timeline;
    const full = new Segmenter(() => {});
    const none = new Segmenter(() => {}, undefined, undefined, 0);
    const a = full.complete(history);
    const b = none.complete(history);
    expect(none.startStateBytes).toBe(0);
    expect(b.segments).toEqual(a.segments);
  });
});

describe("a history's start states outlast the forks' own", () => {
  it('keeps them past a budget the forks fill, so a later fork at the history still splices', async () => {
    const def = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
    const battleId = def.info.id;
    const catalog = new BranchCatalog(getBattle, { maxBranches: 8 });
    const history = (await catalog.history(battleId)).timeline;
    // A budget that holds the history's start states and nothing more.
    const probe = new Segmenter(() => {});
    probe.complete(history);
    const budget = probe.startStateBytes;
    expect(budget).toBeGreaterThan(0);
    const segmenter = new Segmenter(() => {}, undefined, undefined, budget);
    const parent = segmenter.complete(history);
    expect(segmenter.startStateBytes).toBe(budget);
    // Forks at the first decision point, compiled to the end: each keeps its own start states at its later
    // decision points, newer than the history's (least recently used first: without sparing, those went first).
    const point = history.decisionPoints.find((p) => p.atMs !== null && p.atMs > 0)!;
    const spec = def.decisions.find((d) => d.id === point.id)!;
    const options = spec.options.flatMap((o) =>
      o.param
        ? [
            { optionId: o.id, value: o.param.min },
            { optionId: o.id, value: o.param.max },
          ]
        : [{ optionId: o.id }],
    );
    let forksKept = 0;
    for (const o of options) {
      const before = segmenter.startStateBytes;
      const tl = (await catalog.fork(battleId, history.branchId, { decisionId: spec.id, ...o })).timeline;
      if (tl.branchId === history.branchId) continue;
      segmenter.complete(tl, parent);
      if (segmenter.startStateBytes !== before) forksKept++;
    }
    expect(forksKept).toBeGreaterThan(0);
    // Another fork at each later decision point of the history: its fork-point segment is spliced from the history's.
    for (const later of history.decisionPoints.filter((p) => p.atMs !== null && p.atMs > point.atMs!)) {
      const laterSpec = def.decisions.find((d) => d.id === later.id)!;
      const alt = laterSpec.options.find((o) => !o.historical) ?? laterSpec.options[0];
      const prepared = await catalog.prepareFork(battleId, history.branchId, {
        decisionId: laterSpec.id,
        optionId: alt.id,
        value: alt.param ? alt.param.min : undefined,
      });
      if ('branch' in prepared) continue;
      const c = prepared.start();
      c.advanceTo(c.compiledMs);
      const reuses = segmenter.startStateReuses;
      segmenter.advance(segmenter.start(battleId, c.meta.branchId, parent, c.meta.fork), view(c));
      expect(segmenter.startStateReuses, `fork at ${later.id}`).toBe(reuses + 1);
    }
  }, 120_000);
});
