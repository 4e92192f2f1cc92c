import { pino } from 'pino';
import type { ServerOptions } from 'socket.io';
import { createApp } from './app.js';
import { limitsOf, loadConfig, segmentCacheOf } from './config.js';
import type { HealthProbe } from './health.js';
import { installProcessGuards, installShutdown } from './shutdown.js';
import { MemoryStore } from './store/memory.js';
import { unavailableOnOutage, type RedisClient } from './store/redis.js';
import { connectRedisBackend } from './store/redisBackend.js';
import { DAY_MS, type Store } from './store/types.js';
import { RedisCameraStore } from './camera/redisCameraStore.js';
import type { CameraStore } from './camera/store.js';
import { RedisChatStore } from './chat/redisChatStore.js';
import type { ChatStore } from './chat/store.js';
import type { ClockBus } from './streaming/ClockBus.js';
import type { RedisSharedSegments } from './timelines/shared/RedisSharedSegments.js';
import { WorkerTimelineService } from './timelines/WorkerTimelineService.js';
import { RedisStudyStore } from './study/store.js';
import { RedisVoteStore } from './votes/redis.js';
import type { VoteStudyOptions } from './votes/wiring.js';

// Process entry: read config, pick backends (memory by default, Redis store + adapter with REDIS_URL), start.

const config = loadConfig();
// The instructor key never reaches the logs, whatever object a log line carries.
const logger = pino({ level: config.LOG_LEVEL, redact: ['instructorKey', '*.instructorKey', 'req.headers.cookie'] });
let countProcessError: (kind: 'unhandledRejection' | 'uncaughtException') => void = () => {};
installProcessGuards(logger, (kind) => countProcessError(kind));

const retention = { roomTtlMs: config.ROOM_TTL_DAYS * DAY_MS, memberGraceMs: config.MEMBER_GRACE_S * 1000 };
let store: Store = new MemoryStore(retention);
let adapter: ServerOptions['adapter'] | undefined;
let clockBus: ClockBus | undefined;
let limiterRedis: RedisClient | undefined;
const health: HealthProbe[] = [];
const closers: (() => Promise<unknown>)[] = [];
let voteStudy: VoteStudyOptions | undefined;
let sharedSegments: RedisSharedSegments | undefined;
// Chat and camera (issue #11).
let chatStore: ChatStore | undefined;
let cameraStore: CameraStore | undefined;

// With REDIS_URL: three Redis connections per process, one for commands and publishes, one subscriber, one for
// the shared segment cache's large values (server/store/redisBackend.ts).
if (config.REDIS_URL) {
  const redis = await connectRedisBackend(config.REDIS_URL, config.REDIS_PREFIX, logger, retention, segmentCacheOf(config));
  store = redis.store;
  adapter = redis.adapter;
  clockBus = redis.clockBus;
  health.push(...redis.health);
  closers.push(() => redis.close());
  // Everything else on the same command connection (fail-fast: UNAVAILABLE during an outage instead of waiting
  // for Redis; the limiter falls back to its in-memory insurance). Per-address budgets are shared by every process
  // on this Redis and prefix.
  limiterRedis = redis.client;
  voteStudy = {
    votes: unavailableOnOutage(new RedisVoteStore(redis.client, config.REDIS_PREFIX, retention.roomTtlMs), redis.client),
    studies: unavailableOnOutage(new RedisStudyStore(redis.client, config.REDIS_PREFIX, retention.roomTtlMs), redis.client),
  };
  chatStore = unavailableOnOutage(new RedisChatStore(redis.client, config.REDIS_PREFIX), redis.client);
  cameraStore = unavailableOnOutage(new RedisCameraStore(redis.client, config.REDIS_PREFIX), redis.client);
  sharedSegments = redis.sharedSegments;
  logger.info('using Redis store and socket.io Redis adapter');
}

// The engine runs on a worker thread: compiles never stall playback. Histories compile in the background
// while the server already listens (the first request for a battle waits for its compile).
const timelines = new WorkerTimelineService({
  checkpointCacheMb: config.CHECKPOINT_CACHE_MB,
  compileConcurrency: config.COMPILE_CONCURRENCY,
  ...(config.WORKER_HEAP_MB ? { heapMb: config.WORKER_HEAP_MB } : {}),
  ...(config.HISTORY_CACHE_DIR ? { historyCacheDir: config.HISTORY_CACHE_DIR } : {}),
});
closers.push(() => timelines.close());
const t0 = performance.now();
if (config.COMPILE_ON_START === 'true') {
  void timelines.warm().then(
    () => logger.info({ ms: Math.round(performance.now() - t0) }, 'battle histories compiled'),
    (err: unknown) => logger.error({ err }, 'compiling battle histories failed'),
  );
}

const app = createApp({
  store,
  timelines,
  logger,
  adapter,
  clockBus,
  tickMs: config.TICK_MS,
  lookaheadMs: config.LOOKAHEAD_MS,
  defaultMetrics: true,
  ownsStore: true,
  limits: limitsOf(config),
  limiterRedis,
  limiterPrefix: config.REDIS_PREFIX,
  allowedOrigins: config.ALLOWED_ORIGINS,
  trustProxy: config.TRUST_PROXY,
  chatStore,
  cameraStore,
  voteStudy,
  health,
  presenceSweepMs: config.PRESENCE_SWEEP_S * 1000,
  timelineCacheMb: config.TIMELINE_CACHE_MB,
  sharedSegments,
  forkLimits: { perRoom: config.FORK_PENDING_PER_ROOM, perAddress: config.FORK_PENDING_PER_ADDRESS, total: config.FORK_PENDING_MAX },
});
countProcessError = (kind) => app.metrics.processErrors.inc({ kind });
const port = await app.listen(config.PORT, config.HOST);
logger.info({ port }, `wardroom listening on http://localhost:${port}`);

installShutdown({ app, logger, closers, graceMs: config.SHUTDOWN_GRACE_MS });
