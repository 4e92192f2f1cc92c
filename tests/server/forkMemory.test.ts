import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battles, BranchCatalog, getBattle, type BattleDefinition } from '../../replays/index.js';
import { EngineTimelineService, type EngineOptions } from '../../server/timelines/EngineTimelineService.js';
import { Segmenter } from '../../server/timelines/segments/Segmenter.js';
import type { SerializedSegment } from '../../server/timelines/segments/encode.js';
import type { SegmentProgress } from '../../server/timelines/segments/types.js';
import { viewOfTimeline } from '../../server/timelines/segments/builder.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';
import { untilQueued } from './fixtures/engineQueue.js';

// What the compile worker holds while forks compile (forkload, docs/benchmarks.md "forkrss"): a fork of a fork still
// compiling waits for that compile instead of compiling its parent a second time from zero, and a finished
// timeline's segments are compressed one at a time as they are serialized (same bytes as before).

const unitCount = (d: BattleDefinition) => d.forces.reduce((n, f) => n + f.count, 0);
const def = [...battles].sort((a, b) => unitCount(a) - unitCount(b))[0];

/** A non-historical choice at the first decision, and one at a later decision. */
function firstAndLater(): [DecisionChoice, DecisionChoice] {
  const pick = (i: number): DecisionChoice => {
    const spec = def.decisions[i];
    const o = spec.options.find((x) => !x.historical) ?? spec.options.find((x) => x.param)!;
    return o.param
      ? { decisionId: spec.id, optionId: o.id, value: o.param.default === o.param.min ? o.param.max : o.param.min }
      : { decisionId: spec.id, optionId: o.id };
  };
  if (def.decisions.length < 2) throw new Error(`${def.info.id}: fewer than two decisions`);
  return [pick(0), pick(1)];
}

/** Another choice at the first decision than `first` (another value of its quantity, or another option). */
function anotherAtFirst(first: DecisionChoice): DecisionChoice {
  const spec = def.decisions[0];
  const q = spec.options.find((o) => o.param);
  const other = spec.options.find((o) => o.id !== first.optionId && !o.param);
  return q?.param
    ? { decisionId: spec.id, optionId: q.id, value: q.param.default === q.param.min ? q.param.max : q.param.min }
    : { decisionId: spec.id, optionId: other!.id };
}

/**
 * An engine with one compile slot, and a way to take it: another fork at the first decision, held after its first
 * segment until `release()`. `takeSlot()` resolves once that fork has acked (it holds the slot), with its run.
 */
function oneSlot(extra: EngineOptions = {}) {
  const [first, later] = firstAndLater();
  const other = anotherAtFirst(first);
  const reference = new BranchCatalog(getBattle);
  const historyId = reference.historyBranchId(def.info.id);
  const blockedId = reference.forkIdOf(def.info.id, [], other);
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  const engine = new EngineTimelineService({
    historyCacheDir: TEST_HISTORY_CACHE,
    compileConcurrency: 1,
    afterSegment: (branchId) => (branchId === blockedId ? blocked : undefined),
    ...extra,
  });
  const takeSlot = async () => {
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    const running = engine.fork(def.info.id, historyId, other, undefined, () => acked());
    await ack;
    return { running };
  };
  return { engine, first, later, reference, historyId, release, takeSlot };
}

describe('a fork of a fork still compiling (EngineTimelineService.fork)', () => {
  it('waits for its parent’s own compile (no second compile from zero) and equals a compile from zero', async () => {
    const engine = new EngineTimelineService({ historyCacheDir: TEST_HISTORY_CACHE, segmentPaceMs: 20 });
    const historyId = (await engine.canonicalBranchId(def.info.id))!;
    const [first, later] = firstAndLater();
    let acked!: (m: BranchManifest) => void;
    const ack = new Promise<BranchManifest>((resolve) => (acked = resolve));
    const parentDone = engine.fork(def.info.id, historyId, first, undefined, acked);
    const parent = await ack;
    const before = await engine.stats();
    expect(before.compiling).toBe(1); // the parent is still being simulated, a segment at a time
    // As RoomService asks: the parent's id and its recorded decisions (which a process without it compiles from).
    const child = await engine.fork(def.info.id, parent.branchId, later, parent.decisions);
    const parentTl = await parentDone;
    expect((await engine.stats()).compiledFromZero).toBe(before.compiledFromZero);
    expect(child.parentBranchId).toBe(parent.branchId);
    expect(child.decisions.map((d) => d.decisionId).sort()).toEqual([first.decisionId, later.decisionId].sort());
    // The same bytes as both branches compiled from zero elsewhere.
    const reference = new BranchCatalog(getBattle);
    const refParent = await reference.compile(def.info.id, parentTl.decisions);
    const refChild = await reference.compile(def.info.id, child.decisions);
    expect(parentTl.eventsSha256).toBe(refParent.timeline.eventsSha256);
    expect(child.eventsSha256).toBe(refChild.timeline.eventsSha256);
    expect(JSON.stringify(child.events)).toBe(JSON.stringify(refChild.timeline.events));
  });
});

describe('a fork of a fork whose parent finishes while the next compile waits in the queue', () => {
  /** The parent's compile, then another fork queued behind it, then the child of the parent: the child queues too. */
  async function queuedChild(checkpointCacheMb: number | undefined) {
    const engine = new EngineTimelineService({
      historyCacheDir: TEST_HISTORY_CACHE,
      segmentPaceMs: 20,
      checkpointCacheMb,
      compileConcurrency: 1,
    });
    const historyId = (await engine.canonicalBranchId(def.info.id))!;
    const [first, later] = firstAndLater();
    const queued = anotherAtFirst(first);
    let acked!: (m: BranchManifest) => void;
    const ack = new Promise<BranchManifest>((resolve) => (acked = resolve));
    const parentDone = engine.fork(def.info.id, historyId, first, undefined, acked);
    const parent = await ack;
    const next = engine.fork(def.info.id, historyId, queued); // waits in the queue behind the parent
    const before = (await engine.stats()).compiledFromZero;
    const child = await engine.fork(def.info.id, parent.branchId, later, parent.decisions);
    await Promise.all([parentDone, next]);
    expect(child.parentBranchId).toBe(parent.branchId);
    const reference = new BranchCatalog(getBattle);
    expect(child.eventsSha256).toBe((await reference.compile(def.info.id, child.decisions)).timeline.eventsSha256);
    return { rebuilt: (await engine.stats()).compiledFromZero - before };
  }

  it('keeps the parent for it when holding it fits the budget: no compile from zero when the next compile makes room', async () => {
    expect((await queuedChild(undefined)).rebuilt).toBe(0);
  });

  it('holds nothing of it when holding would overflow the budget: the parent is given up, and rebuilt (same bytes) in the child’s turn', async () => {
    // A budget no kept fork fits beside a reservation: held, the parent overflowed it while the next compile ran.
    expect((await queuedChild(0.01)).rebuilt).toBe(1);
  });
});

describe('Segmenter.complete compresses each segment as it is serialized', () => {
  it('lists through the callback (nothing kept) and pushes the same bytes as listing all first', async () => {
    const engine = new EngineTimelineService({ historyCacheDir: TEST_HISTORY_CACHE });
    const tl = (await engine.timeline(def.info.id))!;
    const streamed: SegmentProgress[] = [];
    const manifest = new Segmenter((p) => streamed.push(p)).complete(tl);
    // The old way: list every segment, then compress them all (advance()).
    const batched: SegmentProgress[] = [];
    const old = new Segmenter((p) => batched.push(p));
    old.advance(old.start(tl.battleId, tl.branchId, null, tl.fork), viewOfTimeline(tl));
    expect(streamed).toHaveLength(1);
    expect(batched).toHaveLength(1);
    expect(manifest).toEqual(batched[0].manifest);
    expect(manifest.complete).toBe(true);
    expect(streamed[0].segments.map((s) => s.info)).toEqual(batched[0].segments.map((s) => s.info));
    for (const [i, s] of streamed[0].segments.entries()) {
      expect(Buffer.from(s.gzip).equals(Buffer.from(batched[0].segments[i].gzip))).toBe(true);
      expect(Buffer.from(s.br).equals(Buffer.from(batched[0].segments[i].br))).toBe(true);
    }
    // list() with a callback hands each segment over in index order and returns none.
    const seen: SerializedSegment[] = [];
    const b = new Segmenter(() => {}).start(tl.battleId, tl.branchId, null, tl.fork);
    expect(b.list(viewOfTimeline(tl), (s) => seen.push(s))).toEqual([]);
    expect(seen.map((s) => s.info.index)).toEqual(manifest.segments.map((s) => s.index));
    expect(seen.map((s) => s.info.hash)).toEqual(manifest.segments.map((s) => s.hash));
  });
});

describe('a fork waiting in the compile queue holds its parent in the catalogue (BranchCatalog.hold)', () => {
  it('a held branch is not given up for a reservation; released, it is', async () => {
    const [first] = firstAndLater();
    const cat = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE });
    const history = await cat.history(def.info.id);
    const parent = await cat.fork(def.info.id, history.timeline.branchId, first);
    const id = parent.timeline.branchId;
    // A budget with room for history + parent, not for a compile's reservation besides.
    const tight = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE, maxBytes: cat.bytes + 1024 });
    await tight.history(def.info.id);
    await tight.compile(def.info.id, parent.timeline.decisions);
    expect(await tight.get(def.info.id, id)).toBeDefined();
    const kept = tight.bytes;
    const unhold = tight.hold(def.info.id, id);
    const release = tight.reserve(kept);
    expect(await tight.get(def.info.id, id)).toBeDefined(); // held: kept, and counted
    expect(tight.bytes).toBe(kept);
    unhold();
    expect(await tight.get(def.info.id, id)).toBeUndefined(); // given up once no fork waits on it
    expect(tight.bytes).toBeLessThan(kept);
    release();
    // Rebuilt from its record when asked again: the same bytes.
    const again = await tight.compile(def.info.id, parent.timeline.decisions);
    expect(again.timeline.eventsSha256).toBe(parent.timeline.eventsSha256);
  });

  it('a held branch is not given up when another branch is kept past the budget (the set’s own trim)', async () => {
    const [first] = firstAndLater();
    const cat = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE });
    const history = await cat.history(def.info.id);
    const parent = await cat.fork(def.info.id, history.timeline.branchId, first);
    // Room for history + one fork: keeping a second fork must give one up.
    const tight = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE, maxBytes: cat.bytes + 1024 });
    await tight.history(def.info.id);
    const kept = await tight.compile(def.info.id, parent.timeline.decisions);
    const id = kept.timeline.branchId;
    const unhold = tight.hold(def.info.id, id); // a fork from it waits in the queue
    // Another fork at the same decision (another option or value) is adopted: with no reservation running, only
    // the set's own trim makes room. It gave up the held, least recently used branch before the fix.
    const second = anotherAtFirst(first);
    const secondBranch = await tight.fork(def.info.id, history.timeline.branchId, second);
    expect(secondBranch.timeline.branchId).not.toBe(id);
    expect(await tight.get(def.info.id, id)).toBe(kept); // held: still kept (not compiled again)
    expect(tight.compiledFromZero).toBe(1);
    // Released, it gives way again like any kept branch.
    unhold();
    await tight.compile(def.info.id, secondBranch.timeline.decisions); // a hit: no write
    expect(tight.compiledFromZero).toBe(1);
  });

  it('holdFits: a hold is allowed only while the pinned, held and reserved bytes stay within the budget', async () => {
    const [first] = firstAndLater();
    const cat = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE });
    const history = await cat.history(def.info.id);
    const parent = await cat.fork(def.info.id, history.timeline.branchId, first);
    const budget = cat.bytes * 4;
    const roomy = new BranchCatalog(getBattle, { historyCacheDir: TEST_HISTORY_CACHE, maxBytes: budget });
    await roomy.history(def.info.id);
    const kept = await roomy.compile(def.info.id, parent.timeline.decisions);
    const id = kept.timeline.branchId;
    const all = roomy.bytes; // history (pinned) + the parent
    expect(roomy.holdFits(def.info.id, id, budget - all)).toBe(true);
    expect(roomy.holdFits(def.info.id, id, budget - all + 1)).toBe(false);
    // Once held, it counts as held: another hold of it adds nothing, a reservation running counts if larger.
    const unhold = roomy.hold(def.info.id, id);
    expect(roomy.holdFits(def.info.id, id, budget - all)).toBe(true);
    const release = roomy.reserve(budget - all + 1);
    expect(roomy.holdFits(def.info.id, id, 0)).toBe(false);
    release();
    unhold();
  });
});

describe('a queued fork that does not hold its parent keeps nothing of it alive (EngineTimelineService.detached)', () => {
  it('the parent given up while its child waits is collected before the child runs', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The parent compiles; another fork queues behind it; then the parent's child, which waits for the parent's
    // compile and then queues without holding it (a budget nothing fits in): the parent is given up at once.
    let parentRef: WeakRef<object> | null = null;
    let childId = '';
    let collectedBeforeChildRan: boolean | null = null;
    const engine = new EngineTimelineService({
      historyCacheDir: TEST_HISTORY_CACHE,
      segmentPaceMs: 20,
      checkpointCacheMb: 0.01,
      compileConcurrency: 1,
      afterSegment: (branchId) => {
        if (branchId !== childId || collectedBeforeChildRan !== null) return;
        gc();
        collectedBeforeChildRan = parentRef?.deref() === undefined;
      },
    });
    const historyId = (await engine.canonicalBranchId(def.info.id))!;
    const [first, later] = firstAndLater();
    const queued = anotherAtFirst(first);
    let acked!: (m: BranchManifest) => void;
    const ack = new Promise<BranchManifest>((resolve) => (acked = resolve));
    // Only a weak reference to the parent's timeline is kept here (not the promise's value).
    const parentDone = engine.fork(def.info.id, historyId, first, undefined, acked).then((tl) => {
      parentRef = new WeakRef(tl);
    });
    const parent = await ack;
    const next = engine.fork(def.info.id, historyId, queued);
    const decisions = [...parent.decisions, later];
    childId = new BranchCatalog(getBattle).forkIdOf(def.info.id, parent.decisions, later);
    const child = await engine.fork(def.info.id, parent.branchId, later, parent.decisions);
    await Promise.all([parentDone, next]);
    expect(child.branchId).toBe(childId);
    expect(child.decisions.length).toBe(decisions.length);
    expect(collectedBeforeChildRan).toBe(true);
  });
});

describe('a fork whose parent was given up and is not compiling (EngineTimelineService.fork)', () => {
  it('rebuilds the parent in the compile queue: it waits for a slot, then the fork resumes from it (same bytes)', async () => {
    // No kept fork fits: the next compile's reservation gives the parent up.
    const { engine, first, later, reference, historyId, release, takeSlot } = oneSlot({ checkpointCacheMb: 0.01 });
    const parent = await engine.fork(def.info.id, historyId, first);
    // Another fork takes the only compile slot (its reservation gives the parent up) and keeps it.
    const { running } = await takeSlot();
    const before = await engine.stats();
    expect(before.compiling).toBe(1);
    // As RoomService asks: the parent's id and recorded decisions.
    const child = engine.fork(def.info.id, parent.branchId, later, parent.decisions);
    // The parent's rebuild waits its turn in the queue: nothing compiled from zero while the slot is taken. It ran
    // at once beside the compile in its slot (uncounted by the queue), then the child queued.
    const waiting = await untilQueued(engine, 1);
    expect(waiting.compiling).toBe(1);
    expect(waiting.compiledFromZero).toBe(before.compiledFromZero);
    release();
    const [childTl] = await Promise.all([child, running]);
    expect((await engine.stats()).compiledFromZero).toBe(before.compiledFromZero + 1);
    expect(childTl.parentBranchId).toBe(parent.branchId);
    expect(childTl.eventsSha256).toBe((await reference.compile(def.info.id, childTl.decisions)).timeline.eventsSha256);
  });
});

describe('a fork of a fork this process never compiled, asked for its segments (EngineTimelineService.manifest)', () => {
  it('rebuilds the parent in the compile queue, then resumes the fork from it', async () => {
    const { engine, first, later, reference, release, takeSlot } = oneSlot();
    const childId = reference.forkIdOf(def.info.id, [first], later);
    const { running } = await takeSlot();
    const before = await engine.stats();
    // As the segment store asks for a branch another process forked: its record's decisions and fork decision.
    const manifest = engine.manifest(def.info.id, childId, { decisions: [first, later], forkDecisionId: later.decisionId });
    // Its parent waits for the slot: it was compiled from zero at once, in one piece, on the engine's thread.
    expect((await untilQueued(engine, 1)).compiledFromZero).toBe(before.compiledFromZero);
    release();
    const m = await manifest;
    await running;
    expect(m?.branchId).toBe(childId);
    expect((await engine.stats()).compiledFromZero).toBe(before.compiledFromZero + 1);
  });
});

describe('a branch another process forked, asked for by its decisions (a room command reading its metadata)', () => {
  it('is compiled in the compile queue, in slices, not at once beside the compile in its slot', async () => {
    const { engine, first, later, reference, release, takeSlot } = oneSlot();
    const forkId = reference.forkIdOf(def.info.id, [], first);
    const { running } = await takeSlot();
    const before = await engine.stats();
    // As RoomService.metaOf asks for a branch it holds only the room's record of.
    const meta = engine.meta(def.info.id, forkId, [first]);
    // It waits for the slot: it was compiled from zero at once, in one piece, on the engine's thread.
    const waiting = await untilQueued(engine, 1);
    expect(waiting.compiling).toBe(1);
    expect(waiting.compiledFromZero).toBe(before.compiledFromZero);
    release();
    const m = await meta;
    await running;
    expect(m?.branchId).toBe(forkId);
    expect(m?.eventsSha256).toBe((await reference.compile(def.info.id, [first])).timeline.eventsSha256);
    expect((await engine.stats()).compiledFromZero).toBe(before.compiledFromZero + 1);
    // Decisions that name another branch (history's, for a fork never made here): nothing compiled, nothing found.
    expect(await engine.timeline(def.info.id, reference.forkIdOf(def.info.id, [], later), [])).toBeNull();
    expect((await engine.stats()).compiledFromZero).toBe(before.compiledFromZero + 1);
  });
});
