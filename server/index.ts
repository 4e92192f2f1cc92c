import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { pino } from 'pino';
import { createApp } from './app.js';
import { limitsOf, loadConfig } from './config.js';
import { installProcessGuards, installShutdown } from './shutdown.js';
import { MemoryStore } from './store/memory.js';
import { RedisStore, type RedisClient } from './store/redis.js';
import type { Store } from './store/types.js';
import { RedisCameraStore } from './camera/redisCameraStore.js';
import type { CameraStore } from './camera/store.js';
import { RedisChatStore } from './chat/redisChatStore.js';
import type { ChatStore } from './chat/store.js';
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

let store: Store = new MemoryStore();
let adapter: ReturnType<typeof createAdapter> | undefined;
let limiterRedis: ReturnType<typeof createClient> | undefined;
const closers: (() => Promise<unknown>)[] = [];
let voteStudy: VoteStudyOptions | undefined;

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
  // Per-address budgets on their own connection, shared by every process on this Redis and prefix.
  limiterRedis = pub.duplicate();
  limiterRedis.on('error', (err: unknown) => logger.warn({ err }, 'redis limiter error'));
  await limiterRedis.connect();
  const lr = limiterRedis;
  closers.push(() => lr.close());
  // Votes and study results: their own small stores on one more connection.
  const vs = createClient({ url: config.REDIS_URL });
  vs.on('error', (err: unknown) => logger.warn({ err }, 'redis votes/studies error'));
  await vs.connect();
  voteStudy = { votes: new RedisVoteStore(vs as RedisClient, config.REDIS_PREFIX), studies: new RedisStudyStore(vs as RedisClient, config.REDIS_PREFIX) };
  closers.push(() => vs.close());
  logger.info('using Redis store and socket.io Redis adapter');
}

// Chat and camera (issue #11): their own small stores, on one shared Redis connection.
let chatStore: ChatStore | undefined;
let cameraStore: CameraStore | undefined;
if (config.REDIS_URL) {
  const together = createClient({ url: config.REDIS_URL });
  together.on('error', (err: unknown) => logger.warn({ err }, 'redis chat/camera error'));
  await together.connect();
  chatStore = new RedisChatStore(together as RedisClient, config.REDIS_PREFIX);
  cameraStore = new RedisCameraStore(together as RedisClient, config.REDIS_PREFIX);
  closers.push(() => together.close());
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

const app = createApp({
  store,
  timelines,
  logger,
  adapter,
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
});
countProcessError = (kind) => app.metrics.processErrors.inc({ kind });
const port = await app.listen(config.PORT, config.HOST);
logger.info({ port }, `wardroom listening on http://localhost:${port}`);

installShutdown({ app, logger, closers, graceMs: config.SHUTDOWN_GRACE_MS });
