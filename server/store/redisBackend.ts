import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import type { ServerOptions } from 'socket.io';
import { redisProbe, type HealthProbe } from '../health.js';
import { RedisClockBus } from '../streaming/RedisClockBus.js';
import { RedisSharedSegments } from '../timelines/shared/RedisSharedSegments.js';
import { RedisStore, type RedisClient } from './redis.js';
import { redisClient, safePublish } from './redisClient.js';
import type { Retention } from './types.js';

export interface RedisBackend {
  /**
   * The process's ONE command connection (fail-fast: commands reject at once while Redis is away, so they ack
   * UNAVAILABLE instead of hanging): the room store, chat, camera, votes, studies, the address limiter, and the
   * adapter's and clock bus's publishes all share it. Closed by `close()`, not by the stores.
   */
  client: RedisClient;
  store: RedisStore;
  /** Clock changes between processes, on this backend's connections; the store announces its playhead writes on it. */
  clockBus: RedisClockBus;
  adapter: ServerOptions['adapter'];
  health: HealthProbe[];
  /**
   * The segments built by any process, shared (bounded, expiring), when `segmentCache` was asked for: on a
   * connection of its own, since a segment is up to a few MB and must not queue ahead of the small commands on
   * the command connection. Fail-fast: a miss falls back to rebuilding.
   */
  sharedSegments?: RedisSharedSegments;
  /** Quit every connection (after the app has closed). */
  close(): Promise<void>;
}

export interface SegmentCacheOptions {
  maxBytes: number;
  ttlMs: number;
}

/**
 * Everything a process needs for REDIS_URL: one connection for commands and publishes, and the subscriber (a
 * connection in subscribe mode can do nothing else) shared by the socket.io adapter and the clock bus; node-redis
 * resubscribes both after a reconnect. Publishes never reject into the void (`safePublish`). With `segmentCache`,
 * a third connection for the shared segment cache's large values. server/index.ts and the cluster tests share it.
 */
export async function connectRedisBackend(
  url: string,
  prefix: string,
  logger: Logger,
  retention: Retention = {},
  segmentCache?: SegmentCacheOptions,
): Promise<RedisBackend> {
  const client = safePublish(redisClient(url, { failFast: true, onError: (err) => logger.warn({ err }, 'redis error') }), (err) =>
    logger.warn({ err }, 'redis publish lost'),
  );
  const sub = redisClient(url, { onError: (err) => logger.warn({ err }, 'redis sub error') });
  const large = segmentCache
    ? redisClient(url, { failFast: true, onError: (err) => logger.warn({ err }, 'redis segment cache error') })
    : undefined;
  await Promise.all([client.connect(), sub.connect(), large?.connect()]);
  const store = new RedisStore(client, prefix, false, retention);
  const clockBus = new RedisClockBus(client, sub, `${prefix}clock`, (err) => logger.warn({ err }, 'clock bus message dropped'));
  store.announceClocks(clockBus);
  return {
    client,
    store,
    clockBus,
    adapter: createAdapter(client, sub, { key: `${prefix}socket.io` }),
    health: [redisProbe('store', client), redisProbe('sub', sub)],
    sharedSegments: large && segmentCache ? new RedisSharedSegments(large, { prefix, ...segmentCache }) : undefined,
    async close() {
      // close() waits for replies, which never come while Redis is away: destroy() then.
      await Promise.all([client, sub, ...(large ? [large] : [])].map((c) => (c.isReady ? c.close() : c.isOpen ? c.destroy() : undefined)));
    },
  };
}
