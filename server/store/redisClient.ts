import { createClient } from 'redis';
import type { RedisClient } from './redis.js';

// One place that decides how the process talks to Redis, so the store and the adapter's pub/sub
// clients behave the same in an outage.

/**
 * Reconnect quickly and keep trying: node-redis's default backs off to ~2 s plus jitter, which alone would
 * miss "recovered within 2 s of Redis coming back". 50, 100, 200, 400, then every 500 ms.
 */
export const reconnectDelay = (retries: number): number => Math.min(50 * 2 ** retries, 500);

export interface RedisClientOptions {
  onError?: (err: unknown) => void;
  /**
   * Store clients: reject commands at once while disconnected (no offline queue) and give up on a reply
   * after `commandTimeoutMs`, so a command acks UNAVAILABLE instead of hanging. Pub/sub clients keep the
   * default offline queue: the adapter does not await its publishes.
   */
  failFast?: boolean;
  commandTimeoutMs?: number;
}

export function redisClient(url: string, o: RedisClientOptions = {}): RedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: o.failFast ?? false,
    ...(o.failFast ? { commandOptions: { timeout: o.commandTimeoutMs ?? 2000 } } : {}),
    socket: { connectTimeout: 2000, reconnectStrategy: reconnectDelay },
  }) as RedisClient;
  client.on('error', o.onError ?? (() => {}));
  return client;
}

/**
 * The socket.io adapter calls `publish()` without awaiting it. A publish in flight when the connection drops
 * rejects, and an unhandled rejection would end the process: log it instead (the message is lost either way;
 * clients resync from the clock on their next command or join).
 */
export function safePublish(pub: RedisClient, onError: (err: unknown) => void): RedisClient {
  const publish = pub.publish.bind(pub);
  const safe = (...args: Parameters<typeof publish>) =>
    publish(...args).catch((err: unknown) => {
      onError(err);
      return 0;
    });
  Object.defineProperty(pub, 'publish', { value: safe, configurable: true });
  return pub;
}
