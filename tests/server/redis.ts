import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { RedisStore } from '../../server/store/redis.js';
import type { Retention } from '../../server/store/types.js';

// Redis for tests: REDIS_URL, else the local default. Test workers start after tests/setup/global.ts,
// which sets REDIS_URL when it had to start a redis-server itself. Missing Redis fails under CI and is
// skipped elsewhere (the global setup says so once, loudly).
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<boolean> {
  const c = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    await c.close();
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`Redis is required under CI (REDIS_URL=${REDIS_URL})`);
    if (!process.env.WARDROOM_MISSING_WARNED)
      console.warn(`\n!!! Redis not reachable at ${REDIS_URL}: skipping Redis tests. apt-get install redis-server chromium\n`);
    return false;
  }
}

/** A unique key prefix per test run, so runs never see each other's data. */
export const testPrefix = (): string => `wardroom-test:${randomUUID()}:`;

export async function redisStore(prefix = testPrefix(), retention?: Retention): Promise<RedisStore> {
  return RedisStore.connect(REDIS_URL, prefix, () => {}, retention);
}
