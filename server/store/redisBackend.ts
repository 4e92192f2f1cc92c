import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import type { ServerOptions } from 'socket.io';
import { redisProbe, type HealthProbe } from '../health.js';
import { RedisClockBus } from '../streaming/RedisClockBus.js';
import { RedisStore } from './redis.js';
import { redisClient, safePublish } from './redisClient.js';
import type { Retention } from './types.js';

export interface RedisBackend {
  store: RedisStore;
  /** Clock changes between processes, on the adapter's connections; the store announces its playhead writes on it. */
  clockBus: RedisClockBus;
  adapter: ServerOptions['adapter'];
  health: HealthProbe[];
  /** Quit the adapter's clients (the app closes the store it owns). */
  close(): Promise<void>;
}

/**
 * Everything a process needs for REDIS_URL: the store (fail-fast: UNAVAILABLE acks during an outage), the
 * socket.io adapter on its own pub/sub pair (node-redis resubscribes after a reconnect; publishes never reject
 * into the void) and the /healthz probes of all three connections. server/index.ts and the cluster tests share it.
 */
export async function connectRedisBackend(url: string, prefix: string, logger: Logger, retention: Retention = {}): Promise<RedisBackend> {
  const store = await RedisStore.connect(url, prefix, (err) => logger.warn({ err }, 'redis store error'), retention);
  const pub = safePublish(redisClient(url, { onError: (err) => logger.warn({ err }, 'redis pub error') }), (err) =>
    logger.warn({ err }, 'redis publish lost'),
  );
  const sub = redisClient(url, { onError: (err) => logger.warn({ err }, 'redis sub error') });
  await Promise.all([pub.connect(), sub.connect()]);
  const clockBus = new RedisClockBus(pub, sub, `${prefix}clock`, (err) => logger.warn({ err }, 'clock bus message dropped'));
  store.announceClocks(clockBus);
  return {
    store,
    clockBus,
    adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }),
    health: [redisProbe('store', store), redisProbe('pub', pub), redisProbe('sub', sub)],
    async close() {
      // close() waits for replies, which never come while Redis is away: destroy() then.
      await Promise.all([pub, sub].map((c) => (c.isReady ? c.close() : c.isOpen ? c.destroy() : undefined)));
    },
  };
}
