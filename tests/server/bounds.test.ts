import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battles, type BattleDefinition } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { SegmentStore } from '../../server/timelines/SegmentStore.js';
import { TimelineCache } from '../../server/timelines/TimelineCache.js';
import { TimelineSegmentSource } from '../../server/timelines/segments/TimelineSegmentSource.js';
import { boot, type Booted } from './helpers.js';
import { buildFixtureTimeline, fixtureTimelines, FIXTURE_BATTLE, FIXTURE_BRANCH } from './fixtures/timeline.js';

// Every branch cache is bounded in bytes; what a cache drops is rebuilt from its record with the same bytes;
// pending forks are limited per room (RATE_LIMITED naming when to retry).

const unitCount = (d: BattleDefinition) => d.forces.reduce((n, f) => n + f.count, 0);
const def = [...battles].sort((a, b) => unitCount(a) - unitCount(b))[0];

/** Two distinct alternatives to history (other options, or other values of a quantity). */
function alternatives(): DecisionChoice[] {
  const out: DecisionChoice[] = [];
  for (const spec of def.decisions) {
    for (const o of spec.options) {
      if (o.historical && !o.param) continue;
      if (o.param) {
        for (const value of [o.param.min, o.param.max])
          if (!(o.historical && value === o.param.default)) out.push({ decisionId: spec.id, optionId: o.id, value });
      } else out.push({ decisionId: spec.id, optionId: o.id });
    }
  }
  if (out.length < 2) throw new Error(`${def.info.id}: fewer than two alternatives`);
  return out;
}

describe('compiled branches in the worker (BranchCatalog, CHECKPOINT_CACHE_MB)', () => {
  it('stay within the byte budget; an evicted fork is rebuilt from its record with the same bytes', async () => {
    const engine = new EngineTimelineService({ checkpointCacheMb: 0.01 }); // ~10 KB: keeps only the newest fork
    const historyId = (await engine.canonicalBranchId(def.info.id))!;
    const [a, b] = alternatives();
    const forked = await engine.fork(def.info.id, historyId, a);
    const first = (await engine.timeline(def.info.id, forked.branchId))!;
    const firstManifest = await engine.manifest(def.info.id, first.branchId);
    await engine.fork(def.info.id, historyId, b);
    const stats = await engine.stats();
    expect(stats.branches).toBe(2); // history (pinned) + the newest fork
    expect(await engine.timeline(def.info.id, first.branchId)).toBeNull(); // evicted, and no record given
    const recipe = { decisions: first.decisions, forkDecisionId: first.fork!.decisionId };
    const growing = await engine.manifest(def.info.id, first.branchId, recipe); // resumed from history's checkpoint
    expect(growing?.branchId).toBe(first.branchId);
    const rebuilt = await engine.timeline(def.info.id, first.branchId, first.decisions);
    expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(first));
    expect((await engine.manifest(def.info.id, first.branchId))?.segments).toEqual(firstManifest?.segments);
  });
});

describe('main-thread caches (TIMELINE_CACHE_MB)', () => {
  it('SegmentStore keeps encoded segments within its bytes and fetches a dropped one again, identical', async () => {
    const probe = new SegmentStore(new TimelineSegmentSource(fixtureTimelines()), { maxBytes: 1 << 30 });
    const m = (await probe.manifest(FIXTURE_BATTLE, FIXTURE_BRANCH))!.manifest;
    const one = await probe.segment(FIXTURE_BATTLE, FIXTURE_BRANCH, 0);
    if (!one.ok) throw new Error('no segment 0');
    const each = one.segment.gzip.byteLength + one.segment.br.byteLength + 256;
    const store = new SegmentStore(new TimelineSegmentSource(fixtureTimelines()), { maxBytes: each * 2 });
    const got: string[] = [];
    for (const info of m.segments) {
      const r = await store.segment(FIXTURE_BATTLE, FIXTURE_BRANCH, info.index);
      if (!r.ok) throw new Error(`segment ${info.index}: ${r.reason}`);
      got.push(Buffer.from(r.segment.br).toString('base64'));
      expect(store.bytes).toBeLessThanOrEqual(each * 3);
    }
    const again = await store.segment(FIXTURE_BATTLE, FIXTURE_BRANCH, 0); // long evicted
    if (!again.ok) throw new Error('segment 0 again');
    expect(Buffer.from(again.segment.br).toString('base64')).toBe(got[0]);
    expect(again.segment.info).toEqual(m.segments[0]);
  });

  it('TimelineCache holds timelines within its bytes (the newest always)', async () => {
    const service = fixtureTimelines();
    const tl = buildFixtureTimeline();
    const cache = new TimelineCache(service, 64, 1);
    cache.put(tl);
    cache.put(buildFixtureTimeline('other-1'));
    cache.put(buildFixtureTimeline('other-2'));
    expect(cache.peek(tl.battleId, 'other-2')).toBeDefined();
    expect(cache.peek(tl.battleId, 'other-1')).toBeUndefined();
    expect(cache.peek(tl.battleId, tl.branchId)).toBeUndefined();
    expect((await cache.get(tl.battleId, tl.branchId))?.eventsSha256).toBe(tl.eventsSha256); // fetched again
  });
});

describe('fork quotas', () => {
  let s: Booted;
  beforeAll(async () => {
    s = await boot({ timelines: new EngineTimelineService(), forkLimits: { perRoom: 1, perAddress: 10, total: 10 } });
  });
  afterAll(() => s.close());

  it('refuses a second pending fork in a room with RATE_LIMITED naming when to retry, then accepts it', async () => {
    const { roomId } = await s.createRoom({ battleId: def.info.id });
    const player = s.client({ roomId, name: 'Player', role: 'player' });
    await player.ready;
    const [a, b] = alternatives();
    const [ra, rb] = await Promise.all([player.fork(a), player.fork(b)]);
    expect(ra.ok).toBe(true);
    expect(rb).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    if (rb.ok) return;
    expect(rb.error.message).toMatch(/retry in \d+(\.\d)? s \(retryAfterMs=\d+\)/);
    // Once the first is compiled, the slot is free again.
    if (ra.ok) await s.app.segments.whenCompiled(def.info.id, ra.branch.branchId, Infinity);
    await new Promise((r) => setTimeout(r, 50));
    expect((await player.fork(b)).ok).toBe(true);
  });
});
