import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { pino } from 'pino';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { MemoryStore } from './store/memory.js';
import { RedisStore } from './store/redis.js';
import type { Store } from './store/types.js';
import { WorkerTimelineService } from './timelines/WorkerTimelineService.js';

// Process entry: read config, pick backends (memory by default, Redis store + adapter with REDIS_URL), start.

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL });

let store: Store = new MemoryStore();
let adapter: ReturnType<typeof createAdapter> | undefined;
const closers: (() => Promise<unknown>)[] = [];

if (config.REDIS_URL) {
  const redisStore = await RedisStore.connect(config.REDIS_URL, config.REDIS_PREFIX, (err) => logger.warn({ err }, 'redis store error'));
  store = redisStore;
  const pub = createClient({ url: config.REDIS_URL });
  const sub = pub.duplicate();
  pub.on('error', (err: unknown) => logger.warn({ err }, 'redis pub error'));
  sub.on('error', (err: unknown) => logger.warn({ err }, 'redis sub error'));
  await Promise.all([pub.connect(), sub.connect()]);
  adapter = createAdapter(pub, sub, { key: `${config.REDIS_PREFIX}socket.io` });
  closers.push(() => pub.close(), () => sub.close());
  logger.info('using Redis store and socket.io Redis adapter');
}

// The engine runs on a worker thread: compiles never stall playback. Histories compile in the background
// while the server already listens (the first request for a battle waits for its compile).
const timelines = new WorkerTimelineService({ checkpointCacheMb: config.CHECKPOINT_CACHE_MB, compileConcurrency: config.COMPILE_CONCURRENCY });
closers.push(() => timelines.close());
const t0 = performance.now();
void timelines.warm().then(
  () => logger.info({ ms: Math.round(performance.now() - t0) }, 'battle histories compiled'),
  (err: unknown) => logger.error({ err }, 'compiling battle histories failed'),
);

const app = createApp({ store, timelines, logger, adapter, tickMs: config.TICK_MS, lookaheadMs: config.LOOKAHEAD_MS, defaultMetrics: true, ownsStore: true, timelineCacheMb: config.TIMELINE_CACHE_MB,
  forkLimits: { perRoom: config.FORK_PENDING_PER_ROOM, perAddress: config.FORK_PENDING_PER_ADDRESS, total: config.FORK_PENDING_MAX } });
const port = await app.listen(config.PORT, config.HOST);
logger.info({ port }, `wardroom listening on http://localhost:${port}`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await app.close().catch((err: unknown) => logger.error({ err }, 'close failed'));
  for (const c of closers) await c().catch(() => {});
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
