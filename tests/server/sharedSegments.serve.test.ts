import { createClient } from 'redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { segmentIndexAt, type BranchManifest } from '../../shared/battle/segments.js';
import { battles } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { MemorySharedSegments } from '../../server/timelines/shared/MemorySharedSegments.js';
import { RedisSharedSegments } from '../../server/timelines/shared/RedisSharedSegments.js';
import type { SharedSegments } from '../../server/timelines/shared/SharedSegments.js';
import type { RedisClient } from '../../server/store/redis.js';
import { loadConfig, segmentCacheOf } from '../../server/config.js';
import { connectRedisBackend } from '../../server/store/redisBackend.js';
import { boot, silent, type Booted } from './helpers.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// Two processes (two apps, two engines) sharing segments: a fork built by one is served by the other from the
// shared cache, byte for byte, even without the room's record (which a process needs to rebuild a fork itself).

const hasRedis = await redisAvailable();
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});
const terok = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;

/** A room on `a` whose player forked Terok Nor (an option without a value), compiled, its manifest in `shared`. */
async function forkedOn(a: Booted, shared: SharedSegments) {
  const { roomId } = await a.createRoom({ battleId: terok.info.id });
  const player = a.client({ roomId, name: 'P', role: 'player' });
  await player.ready;
  const spec = terok.decisions.find((d) => d.options.some((o) => !o.historical && !o.param))!;
  const forked = await player.fork({ decisionId: spec.id, optionId: spec.options.find((o) => !o.historical && !o.param)!.id });
  if (!forked.ok) throw new Error(forked.error.message);
  const id = forked.branch.branchId;
  await a.app.segments.whenCompiled(terok.info.id, id, Infinity);
  await vi.waitFor(async () => expect(await shared.manifest(terok.info.id, id)).not.toBeNull(), { timeout: 2000, interval: 20 });
  return { roomId, forked, id, path: `/api/battles/${terok.info.id}/branches/${id}` };
}

const impls: [string, boolean, () => Promise<SharedSegments>][] = [
  ['memory', true, async () => new MemorySharedSegments(64 * 1024 * 1024, 60_000)],
  [
    'redis',
    hasRedis,
    async () => {
      const c = createClient({ url: REDIS_URL }) as RedisClient;
      c.on('error', () => {});
      await c.connect();
      closers.push(() => c.close());
      return new RedisSharedSegments(c, { prefix: testPrefix(), maxBytes: 64 * 1024 * 1024, ttlMs: 60_000 });
    },
  ],
];

describe.each(impls)('shared segments between processes: %s', (_name, available, make) => {
  it.runIf(available)(
    'a fork built on A is served by B from the shared cache, with no room record',
    async () => {
      const shared = await make();
      const a = await boot({ timelines: new EngineTimelineService(), sharedSegments: shared });
      const b = await boot({ timelines: new EngineTimelineService(), sharedSegments: shared });
      const alone = await boot({ timelines: new EngineTimelineService() });
      closers.push(
        () => a.close(),
        () => b.close(),
        () => alone.close(),
      );
      // Writes to the shared cache run in the background: forkedOn waits until the manifest is there.
      const { path } = await forkedOn(a, shared);
      const mA = (await (await fetch(`${a.url}${path}/manifest`)).json()) as BranchManifest;
      // A process without the shared cache cannot serve it without the room's record.
      expect((await fetch(`${alone.url}${path}/manifest`)).status).toBe(404);
      const resB = await fetch(`${b.url}${path}/manifest`);
      expect(resB.status).toBe(200);
      const mB = (await resB.json()) as BranchManifest;
      expect(mB.segments).toEqual(mA.segments);
      const last = mA.segments.length - 1;
      for (const i of [0, last]) {
        const [sa, sb] = await Promise.all([fetch(`${a.url}${path}/segments/${i}`), fetch(`${b.url}${path}/segments/${i}`)]);
        expect(sb.status).toBe(200);
        expect(sb.headers.get('etag')).toBe(sa.headers.get('etag'));
        expect(await sb.text()).toBe(await sa.text());
      }
    },
    60_000,
  );
});

// SEGMENT_CACHE_MB=0 (server/config.ts segmentCacheOf): the room store stays on Redis, no segment is shared. Such a
// process serves a fork another process built by rebuilding it from the room's record, never from the cache.
describe('SEGMENT_CACHE_MB=0: rooms on Redis, no shared segments', () => {
  it('loadConfig: 0 turns the shared segment cache off; the default keeps it, bounded and expiring', () => {
    expect(segmentCacheOf(loadConfig({ REDIS_URL, SEGMENT_CACHE_MB: '0' }))).toBeUndefined();
    expect(segmentCacheOf(loadConfig({ REDIS_URL }))).toEqual({ maxBytes: 1024 * 1024 * 1024, ttlMs: 86_400_000 });
    expect(segmentCacheOf(loadConfig({ REDIS_URL, SEGMENT_CACHE_MB: '8', SEGMENT_CACHE_TTL_S: '120' }))).toEqual({
      maxBytes: 8 * 1024 * 1024,
      ttlMs: 120_000,
    });
    expect(() => loadConfig({ SEGMENT_CACHE_MB: '-1' })).toThrow(/SEGMENT_CACHE_MB/);
  });

  it.runIf(hasRedis)(
    "a process without the cache serves another's fork rebuilt from the room's record in Redis, byte for byte",
    async () => {
      const prefix = testPrefix();
      const connect = (mb: string) =>
        connectRedisBackend(REDIS_URL, prefix, silent, {}, segmentCacheOf(loadConfig({ REDIS_URL, SEGMENT_CACHE_MB: mb })));
      const [ra, rb] = await Promise.all([connect('64'), connect('0')]);
      closers.push(
        () => ra.close(),
        () => rb.close(),
      );
      expect(ra.sharedSegments).toBeDefined();
      expect(rb.sharedSegments).toBeUndefined();
      const a = await boot({ timelines: new EngineTimelineService(), store: ra.store, sharedSegments: ra.sharedSegments });
      const b = await boot({ timelines: new EngineTimelineService(), store: rb.store, sharedSegments: rb.sharedSegments });
      closers.push(
        () => a.close(),
        () => b.close(),
      );
      const { roomId, forked, id, path } = await forkedOn(a, ra.sharedSegments!);
      // The fork's manifest is in Redis, but B does not read the segment cache: without the room, B cannot know it.
      expect((await fetch(`${b.url}${path}/manifest`)).status).toBe(404);
      const mA = (await (await fetch(`${a.url}${path}/manifest`)).json()) as BranchManifest;
      // B reads the fork's one record from the room, not the room's whole list of branches.
      const lists = vi.spyOn(rb.store, 'listBranches');
      const records = vi.spyOn(rb.store, 'getBranch');
      const resB = await fetch(`${b.url}${path}/manifest?room=${roomId}`);
      expect(resB.status).toBe(200);
      // Rebuilt progressively: its first segments are the fork's, the fork-point segment among them.
      const mB = (await resB.json()) as BranchManifest;
      expect(mB.segments.map((s) => s.hash)).toEqual(mA.segments.slice(0, mB.segments.length).map((s) => s.hash));
      const first = segmentIndexAt(mA.segments, forked.branch.fork!.atMs);
      const same = async (i: number) => {
        const [sa, sb] = await Promise.all([fetch(`${a.url}${path}/segments/${i}`), fetch(`${b.url}${path}/segments/${i}?room=${roomId}`)]);
        expect(sb.status).toBe(200);
        expect(sb.headers.get('etag')).toBe(sa.headers.get('etag'));
        expect(await sb.text()).toBe(await sa.text());
      };
      await same(first);
      expect(records).toHaveBeenCalledWith(roomId, id);
      expect(lists).not.toHaveBeenCalled();
      await b.app.segments.whenCompiled(terok.info.id, id, Infinity);
      const done = (await (await fetch(`${b.url}${path}/manifest?room=${roomId}`)).json()) as BranchManifest;
      expect(done.segments).toEqual(mA.segments);
      await same(mA.segments.length - 1);
    },
    60_000,
  );
});

describe('a fork read from the shared cache', () => {
  it('the fork-point segment is read beside the manifest (once), and a held manifest needs no room record', async () => {
    const inner = new MemorySharedSegments(64 * 1024 * 1024, 60_000);
    const reads: string[] = [];
    const counting: SharedSegments = {
      segment: (hash) => {
        reads.push(hash);
        return inner.segment(hash);
      },
      putSegment: (s) => inner.putSegment(s),
      manifest: (battleId, branchId) => inner.manifest(battleId, branchId),
      putManifest: (m) => inner.putManifest(m),
      bytes: () => inner.bytes(),
    };
    const a = await boot({ timelines: new EngineTimelineService(), sharedSegments: inner });
    const b = await boot({ timelines: new EngineTimelineService(), sharedSegments: counting });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const { roomId, forked, path } = await forkedOn(a, inner);
    const recipeReads = vi.spyOn(b.app.rooms, 'branchRecipe');
    const m = (await (await fetch(`${b.url}${path}/manifest?room=${roomId}`)).json()) as BranchManifest;
    const i = segmentIndexAt(m.segments, forked.branch.fork!.atMs);
    // Read without a request for it, while the manifest was answered.
    await vi.waitFor(() => expect(reads).toEqual([m.segments[i].hash]), { timeout: 2000, interval: 5 });
    const res = await fetch(`${b.url}${path}/segments/${i}?room=${roomId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`W/"${m.segments[i].hash}"`); // compressed: weak
    expect(reads).toHaveLength(1);
    // The room's record was read for the manifest (B might have had to rebuild), not for the segment of a held one.
    expect(recipeReads).toHaveBeenCalledTimes(1);
  }, 60_000);
});
