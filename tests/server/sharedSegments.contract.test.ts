import { createClient } from 'redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { BranchManifest, SegmentPayload } from '../../shared/battle/segments.js';
import { encodeSegment, type EncodedSegment } from '../../server/timelines/segments/encode.js';
import { MemorySharedSegments } from '../../server/timelines/shared/MemorySharedSegments.js';
import { RedisSharedSegments } from '../../server/timelines/shared/RedisSharedSegments.js';
import type { SharedSegments } from '../../server/timelines/shared/SharedSegments.js';
import type { RedisClient } from '../../server/store/redis.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// One contract for every SharedSegments (memory, Redis): a segment comes back byte for byte by its hash, only
// complete manifests are kept, the byte bound drops the oldest entries, and entries expire.

const hasRedis = await redisAvailable();
const clients: RedisClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
});

/** A segment of about `kb` KiB of incompressible-ish payload (distinct per `n`). */
function segment(n: number, kb = 8): EncodedSegment {
  const events = Array.from({ length: kb * 8 }, (_, i) => ({
    seq: i,
    t: n * 1000 + i,
    type: 'note',
    text: `${n}:${i}:${(i * 7919 + n * 104729) % 1000003}`,
  }));
  const payload = { battleId: 'b', index: n, startMs: 0, endMs: 1, firstSeq: 0, start: {}, events } as unknown as SegmentPayload;
  return encodeSegment(payload);
}

function manifest(branchId: string, complete: boolean): BranchManifest {
  return { battleId: 'b', branchId, complete, compiledMs: 5, durationMs: 5, segments: [] } as unknown as BranchManifest;
}

type Make = (maxBytes: number, ttlMs: number, now: () => number) => Promise<SharedSegments>;

const impls: [string, boolean, Make][] = [
  ['memory', true, async (max, ttl, now) => new MemorySharedSegments(max, ttl, now)],
  [
    'redis',
    hasRedis,
    async (max, ttl, now) => {
      const c = createClient({ url: REDIS_URL }) as RedisClient;
      c.on('error', () => {});
      await c.connect();
      clients.push(c);
      return new RedisSharedSegments(c, { prefix: testPrefix(), maxBytes: max, ttlMs: ttl, now });
    },
  ],
];

describe.each(impls)('SharedSegments contract: %s', (_name, available, make) => {
  it.runIf(available)('returns a segment byte for byte by its hash; misses are null', async () => {
    const c = await make(10 * 1024 * 1024, 60_000, Date.now);
    const s = segment(1);
    expect(await c.segment(s.info.hash)).toBeNull();
    await c.putSegment(s);
    const back = await c.segment(s.info.hash);
    expect(back?.info).toEqual(s.info);
    expect(Buffer.from(back!.gzip).equals(Buffer.from(s.gzip))).toBe(true);
    expect(Buffer.from(back!.br).equals(Buffer.from(s.br))).toBe(true);
  });

  it.runIf(available)('keeps complete manifests only', async () => {
    const c = await make(10 * 1024 * 1024, 60_000, Date.now);
    await c.putManifest(manifest('growing', false));
    await c.putManifest(manifest('done', true));
    expect(await c.manifest('b', 'growing')).toBeNull();
    expect(await c.manifest('b', 'done')).toEqual(manifest('done', true));
  });

  it.runIf(available)('stays within its byte bound, dropping the oldest first', async () => {
    const segs = Array.from({ length: 12 }, (_, i) => segment(100 + i));
    const one = segs[0].gzip.byteLength + segs[0].br.byteLength;
    let t = 1_000;
    const c = await make(one * 5, 600_000, () => t);
    for (const s of segs) {
      t += 10;
      await c.putSegment(s);
    }
    expect(await c.bytes()).toBeLessThanOrEqual(one * 5 + 1024);
    expect(await c.segment(segs.at(-1)!.info.hash)).not.toBeNull();
    expect(await c.segment(segs[0].info.hash)).toBeNull();
  });

  it.runIf(available)('entries expire', async () => {
    // Redis expiry runs on its own clock: a short real TTL. The memory one reads the injected clock.
    let t = 1_000;
    const c = await make(10 * 1024 * 1024, 150, () => t);
    const s = segment(7);
    await c.putSegment(s);
    expect(await c.segment(s.info.hash)).not.toBeNull();
    t += 1_000;
    await vi.waitFor(async () => expect(await c.segment(s.info.hash)).toBeNull(), { timeout: 5_000, interval: 25 });
  });
});
