import { createClient } from 'redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { BranchManifest } from '../../shared/battle/segments.js';
import { battles } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { MemorySharedSegments } from '../../server/timelines/shared/MemorySharedSegments.js';
import { RedisSharedSegments } from '../../server/timelines/shared/RedisSharedSegments.js';
import type { SharedSegments } from '../../server/timelines/shared/SharedSegments.js';
import type { RedisClient } from '../../server/store/redis.js';
import { boot } from './helpers.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// Two processes (two apps, two engines) sharing segments: a fork built by one is served by the other from the
// shared cache, byte for byte, even without the room's record (which a process needs to rebuild a fork itself).

const hasRedis = await redisAvailable();
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});
const terok = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;

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
      const { roomId } = await a.createRoom({ battleId: terok.info.id });
      const player = a.client({ roomId, name: 'P', role: 'player' });
      await player.ready;
      const spec = terok.decisions.find((d) => d.options.some((o) => !o.historical && !o.param))!;
      const forked = await player.fork({ decisionId: spec.id, optionId: spec.options.find((o) => !o.historical && !o.param)!.id });
      if (!forked.ok) throw new Error(forked.error.message);
      const id = forked.branch.branchId;
      await a.app.segments.whenCompiled(terok.info.id, id, Infinity);
      const path = `/api/battles/${terok.info.id}/branches/${id}`;
      const mA = (await (await fetch(`${a.url}${path}/manifest`)).json()) as BranchManifest;
      // Writes to the shared cache run in the background: wait until the manifest is there.
      await vi.waitFor(async () => expect(await shared.manifest(terok.info.id, id)).not.toBeNull(), { timeout: 2000, interval: 20 });
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
