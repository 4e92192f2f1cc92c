import { pino } from 'pino';
import type { ServerOptions } from 'socket.io';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import type { HealthProbe } from './health.js';
import { MemoryStore } from './store/memory.js';
import { connectRedisBackend } from './store/redisBackend.js';
import { DAY_MS, type Store } from './store/types.js';
import { WorkerTimelineService } from './timelines/WorkerTimelineService.js';

// Process entry: read config, pick backends (memory by default, Redis store + adapter with REDIS_URL), start.

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL });

const retention = { roomTtlMs: config.ROOM_TTL_DAYS * DAY_MS, memberGraceMs: config.MEMBER_GRACE_S * 1000 };
let store: Store = new MemoryStore(retention);
let adapter: ServerOptions['adapter'] | undefined;
const health: HealthProbe[] = [];
const closers: (() => Promise<unknown>)[] = [];

if (config.REDIS_URL) {
  const redis = await connectRedisBackend(config.REDIS_URL, config.REDIS_PREFIX, logger, retention);
  store = redis.store;
  adapter = redis.adapter;
  health.push(...redis.health);
  closers.push(() => redis.close());
  logger.info('using Redis store and socket.io Redis adapter');
}

// The engine runs on a worker thread: compiles never stall playback. Histories compile in the background
// while the server already listens (the first request for a battle waits for its compile).
const timelines = new WorkerTimelineService();
closers.push(() => timelines.close());
const t0 = performance.now();
if (config.COMPILE_ON_START === 'true') {
  void timelines.warm().then(
    () => logger.info({ ms: Math.round(performance.now() - t0) }, 'battle histories compiled'),
    (err: unknown) => logger.error({ err }, 'compiling battle histories failed'),
  );
}

const app = createApp({
  ...{ store, timelines, logger, adapter, tickMs: config.TICK_MS, lookaheadMs: config.LOOKAHEAD_MS, defaultMetrics: true, ownsStore: true },
  ...{ health, presenceSweepMs: config.PRESENCE_SWEEP_S * 1000 },
});
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
