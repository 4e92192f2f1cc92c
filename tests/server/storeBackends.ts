import { afterAll } from 'vitest';
import { MemoryStore } from '../../server/store/memory.js';
import type { RedisStore } from '../../server/store/redis.js';
import type { Retention, Store } from '../../server/store/types.js';
import { redisAvailable, redisStore, testPrefix } from './redis.js';

// The store contract suites' backends, set up once: every contract (store.contract, store.caps.contract) runs on
// each of them, and the Redis stores they open are cleared and closed after the file.

export type MakeStore = (retention?: Retention) => Promise<Store>;

export interface StoreBackends {
  hasRedis: boolean;
  /** [name, make a fresh, empty store] for memory and, when reachable, Redis. */
  backends: [string, MakeStore][];
  /** A Redis store on `prefix` (two on one prefix stand for two server processes). */
  onRedis(prefix?: string, retention?: Retention): Promise<RedisStore>;
}

/** Call at a test file's top level: registers the clean-up of the Redis stores it hands out. */
export async function storeBackends(): Promise<StoreBackends> {
  const hasRedis = await redisAvailable();
  const opened: RedisStore[] = [];
  afterAll(async () => {
    for (const s of opened) {
      await s.clearPrefix();
      await s.close();
    }
  });
  const onRedis = async (prefix = testPrefix(), retention?: Retention): Promise<RedisStore> => {
    const s = await redisStore(prefix, retention);
    opened.push(s);
    return s;
  };
  const backends: [string, MakeStore][] = [['memory', async (retention) => new MemoryStore(retention)]];
  if (hasRedis) backends.push(['redis', (retention) => onRedis(testPrefix(), retention)]);
  return { hasRedis, backends, onRedis };
}
