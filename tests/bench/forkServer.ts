import { pino } from 'pino';
import { createApp } from '../../server/app.js';
import { loadConfig, segmentCacheOf } from '../../server/config.js';
import { connectRedisBackend } from '../../server/store/redisBackend.js';
import { DAY_MS } from '../../server/store/types.js';
import { drainTrace, traceGc } from '../../server/timelines/forkTrace.js';
import { WorkerTimelineService } from '../../server/timelines/WorkerTimelineService.js';

// "Another process" of the forks bench (tests/bench/forks.ts), as a real Node process: the server's Redis wiring
// as server/index.ts makes it from the environment (REDIS_URL, REDIS_PREFIX, SEGMENT_CACHE_MB: 0 for a process that
// shares no segments and rebuilds a fork from the room's record), its own compile worker, listening on a free port.
// Started with child_process.fork; the bench drives it over IPC (warm a battle's history, wait for a branch's
// compile, drain the FORK_TRACE marks) and times it over HTTP only.

export type ForkServerRequest =
  | { id: number; op: 'warm'; battleId: string; historyId: string }
  | { id: number; op: 'whenCompiled'; battleId: string; branchId: string }
  | { id: number; op: 'trace' }
  | { id: number; op: 'stats' }
  | { id: number; op: 'close' };

export type ForkServerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const config = loadConfig();
if (!config.REDIS_URL) throw new Error('forkServer: REDIS_URL is required (the room records are read from Redis)');
traceGc();
const logger = pino({ level: 'silent' });
const redis = await connectRedisBackend(
  config.REDIS_URL,
  config.REDIS_PREFIX,
  logger,
  { roomTtlMs: config.ROOM_TTL_DAYS * DAY_MS, memberGraceMs: config.MEMBER_GRACE_S * 1000 },
  segmentCacheOf(config),
);
const timelines = new WorkerTimelineService({
  checkpointCacheMb: config.CHECKPOINT_CACHE_MB,
  compileConcurrency: config.COMPILE_CONCURRENCY,
  ...(config.HISTORY_CACHE_DIR ? { historyCacheDir: config.HISTORY_CACHE_DIR } : {}),
});
const app = createApp({
  store: redis.store,
  timelines,
  logger,
  adapter: redis.adapter,
  clockBus: redis.clockBus,
  clientDist: null,
  rateLimit: { points: 1000, durationS: 1 },
  timelineCacheMb: config.TIMELINE_CACHE_MB,
  sharedSegments: redis.sharedSegments,
});
const port = await app.listen(0, '127.0.0.1');

const send = (m: ForkServerReply | { ready: true; port: number; sharedSegments: boolean }) => process.send?.(m);
process.on('message', async (raw) => {
  const m = raw as ForkServerRequest;
  try {
    let result: unknown = null;
    if (m.op === 'warm') result = (await app.segments.manifest(m.battleId, m.historyId)) !== null;
    else if (m.op === 'whenCompiled') result = await app.segments.whenCompiled(m.battleId, m.branchId, Infinity);
    else if (m.op === 'stats') result = await timelines.stats();
    else if (m.op === 'trace') result = { main: drainTrace(), worker: await timelines.trace() };
    else if (m.op === 'close') {
      await app.close();
      await timelines.close();
      await redis.close();
    }
    send({ id: m.id, ok: true, result });
    if (m.op === 'close') process.disconnect?.();
  } catch (err) {
    send({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
// The bench gone (killed, timed out): go too, rather than stay listening.
process.on('disconnect', () => process.exit(0));
send({ ready: true, port, sharedSegments: redis.sharedSegments !== undefined });
