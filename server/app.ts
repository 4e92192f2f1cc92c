import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino, type Logger } from 'pino';
import { Server, type ServerOptions } from 'socket.io';
import { AppError } from './errors.js';
import { healthReport, type HealthProbe } from './health.js';
import { apiRouter, errorHandler } from './http/api.js';
import { segmentRouter } from './http/segments.js';
import { staticClient } from './http/static.js';
import { clientAddress, connectionAddresses } from './limits/address.js';
import { FairWebSocketServer } from './limits/fairReads.js';
import { FloodCooldown } from './limits/FloodCooldown.js';
import { AddressLimiter } from './limits/AddressLimiter.js';
import { DEFAULT_LIMITS, type LimitSettings } from './limits/settings.js';
import { securityHeaders } from './security/headers.js';
import { originCheck } from './security/origin.js';
import { createMetrics, type Metrics } from './metrics.js';
import { startPresenceSweep, type PresenceSweep } from './rooms/presenceSweep.js';
import { RoomService } from './rooms/RoomService.js';
import { registerSocketHandlers } from './socket/index.js';
import { holdLastKnown } from './store/lastKnown.js';
import { MemoryStore } from './store/memory.js';
import type { Store } from './store/types.js';
import { AdapterClockBus } from './streaming/AdapterClockBus.js';
import { noClockBus, type ClockBus } from './streaming/ClockBus.js';
import { frontierSourceOf, type FrontierSource } from './streaming/FrontierSource.js';
import { PlaybackLoop } from './streaming/PlaybackLoop.js';
import type { SharedSegments } from './timelines/shared/SharedSegments.js';
import { WorkerTimelineService } from './timelines/WorkerTimelineService.js';
import { TimelineCache } from './timelines/TimelineCache.js';
import { ForkQuota, type ForkLimits } from './timelines/ForkQuota.js';
import { SegmentStore } from './timelines/SegmentStore.js';
import { isSegmentSource } from './timelines/segments/types.js';
import { TimelineSegmentSource } from './timelines/segments/TimelineSegmentSource.js';
import type { TimelineService } from './timelines/TimelineService.js';
import type { IO } from './types.js';
import { CameraBroadcaster } from './camera/CameraBroadcaster.js';
import { CameraService } from './camera/CameraService.js';
import { MemoryCameraStore } from './camera/memoryCameraStore.js';
import type { CameraStore } from './camera/store.js';
import { ChatService, type ChatLimits } from './chat/ChatService.js';
import { MemoryChatStore } from './chat/memoryChatStore.js';
import { ReactionBatcher } from './chat/ReactionBatcher.js';
import type { ChatStore } from './chat/store.js';
import { chatRouter } from './http/chatRoutes.js';
import { createVoteStudy, type VoteStudyOptions } from './votes/wiring.js';

export interface AppOptions {
  /** Default: MemoryStore. */
  store?: Store;
  /** Default: the engine over replays/ on a worker thread (WorkerTimelineService), closed with the app. */
  timelines?: TimelineService;
  logger?: Logger;
  /** Server wall clock (ms since epoch); injectable for tests. */
  now?: () => number;
  /** Playback loop period. */
  tickMs?: number;
  /** Largest keyframe list (estimated JSON bytes) `GET .../timeline` builds before answering 413 TOO_LARGE. */
  maxKeyframeJsonBytes?: number;
  /** How far ahead of the play head events are streamed, in playback ms at rate 1. */
  lookaheadMs?: number;
  /** Per-socket command budget. */
  rateLimit?: { points: number; durationS: number };
  /** Built client to serve; null disables; default client/dist next to the repo root. */
  clientDist?: string | null;
  /** e.g. the Redis adapter: createAdapter(pub, sub). */
  adapter?: ServerOptions['adapter'];
  /** Collect prom-client's process metrics (event loop lag, heap...). Off in tests. */
  defaultMetrics?: boolean;
  /** Stores the app should close on close(). */
  ownsStore?: boolean;
  /** Abuse limits (docs/protocol.md "Limits"); unset ones take DEFAULT_LIMITS. `rateLimit` overrides the per-socket budget. */
  limits?: Partial<LimitSettings>;
  /** One websocket message per event-loop turn (server/limits/fairReads.ts). Default true; false only to compare. */
  fairReads?: boolean;
  /** A connected node-redis client: per-address budgets shared with every process on the same Redis + prefix. */
  limiterRedis?: unknown;
  limiterPrefix?: string;
  /** Origins allowed to open a socket besides the server's own and localhost (ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
  /** Proxy hops trusted for X-Forwarded-For (TRUST_PROXY). */
  trustProxy?: number;
  /** Chat, mutes and reaction counts (issue #11). Default: MemoryChatStore. */
  chatStore?: ChatStore;
  /** The presented camera (issue #11). Default: MemoryCameraStore. */
  cameraStore?: CameraStore;
  /** Per-member chat/reaction budgets; reaction batch window (ms). */
  chat?: { limits?: ChatLimits; reactionWindowMs?: number };
  /** Group votes and what-if statistics: stores (default memory), study runner and limits. */
  voteStudy?: VoteStudyOptions;
  /** How far progressive branches are compiled (the loop holds a room's clock at the frontier). Default: all complete. */
  frontier?: FrontierSource;
  /** Clock changes between processes. Default: over the adapter's server-side events when an adapter is given. */
  clockBus?: ClockBus;
  /** Safety-net re-read of each room's playhead (ms; stop points: 6x as long). Default 10000. */
  reconcileMs?: number;
  /** Backend checks for /healthz (e.g. the Redis store and adapter connections). */
  health?: HealthProbe[];
  /** Period of the presence sweep (members left "connected" by a killed process); default 30 s, 0 disables. */
  presenceSweepMs?: number;
  /** Byte budget of the main thread's timeline caches (TIMELINE_CACHE_MB), in MB: 3/4 timelines, 1/4 segments. Default 256. */
  timelineCacheMb?: number;
  /** For the default worker: byte budget of its compiled branches (CHECKPOINT_CACHE_MB) and compiles at once. */
  checkpointCacheMb?: number;
  compileConcurrency?: number;
  /** Segments and manifests shared with other processes (Redis with REDIS_URL); read before rebuilding a branch. */
  sharedSegments?: SharedSegments;
  /** Test hook for the default worker: least wall time between a progressive fork's segments (watch a fork compile). */
  forkSegmentPaceMs?: number;
  /** For the default worker: directory of compiled histories shared between processes (HISTORY_CACHE_DIR). */
  historyCacheDir?: string;
  /** For the default worker: its heap cap in MB (WORKER_HEAP_MB); default CHECKPOINT_CACHE_MB + 96, at least 384. */
  workerHeapMb?: number;
  /** Pending forks per room / address / in total (FORK_PENDING_*). */
  forkLimits?: ForkLimits;
}

export interface App {
  httpServer: HttpServer;
  io: IO;
  metrics: Metrics;
  rooms: RoomService;
  /** Manifests and segments of every branch; also the compile frontier (FrontierSource) for the playback loop. */
  segments: SegmentStore;
  /** null when disabled. */
  presenceSweep: PresenceSweep | null;
  listen(port: number, host?: string): Promise<number>;
  /** Graceful stop (SIGTERM): refuse new connections, drop every socket so its client reconnects elsewhere, close. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function createApp(opts: AppOptions = {}): App {
  const logger = opts.logger ?? pino({ level: 'info', redact: ['instructorKey', '*.instructorKey'] });
  const now = opts.now ?? Date.now;
  const store = opts.store ?? new MemoryStore();
  const ownTimelines = opts.timelines
    ? null
    : new WorkerTimelineService({
        checkpointCacheMb: opts.checkpointCacheMb ?? 512,
        compileConcurrency: opts.compileConcurrency ?? 2,
        ...(opts.forkSegmentPaceMs ? { segmentPaceMs: opts.forkSegmentPaceMs } : {}),
        ...(opts.historyCacheDir ? { historyCacheDir: opts.historyCacheDir } : {}),
        ...(opts.workerHeapMb ? { heapMb: opts.workerHeapMb } : {}),
      });
  const timelines = opts.timelines ?? ownTimelines!;
  const metrics = createMetrics({
    defaultMetrics: opts.defaultMetrics,
    workerRestarts: () => (timelines instanceof WorkerTimelineService ? timelines.restarts : 0),
  });
  // Bounded in bytes (a large battle's timeline is tens of MB): 3/4 of TIMELINE_CACHE_MB for timelines (the
  // socket delivery's), 1/4 for encoded segments. The engine keeps its own bounded LRU of compiled branches.
  const cacheBytes = (opts.timelineCacheMb ?? 256) * 1024 * 1024;
  const cache = new TimelineCache(timelines, 16, Math.floor(cacheBytes * 0.75));
  const rl = opts.rateLimit ?? { points: DEFAULT_LIMITS.socketEventsPerS, durationS: 1 };
  const limits: LimitSettings = { ...DEFAULT_LIMITS, socketEventsPerS: Math.max(1, Math.round(rl.points / rl.durationS)), ...opts.limits };
  const trustProxy = opts.trustProxy ?? 0;
  const addressLimiter = new AddressLimiter({ limits, redis: opts.limiterRedis, prefix: opts.limiterPrefix });
  const floodCooldown = new FloodCooldown(limits.floodCooldownMs);
  const segmentSource = isSegmentSource(timelines) ? timelines : new TimelineSegmentSource(cache.service);
  const segments = new SegmentStore(segmentSource, {
    maxBytes: Math.floor(cacheBytes * 0.25),
    shared: opts.sharedSegments,
    onSharedError: (err) => logger.warn({ err }, 'shared segment cache: read or write failed'),
  });
  // The segment store sees a compiling fork's manifest grow: a room on the fork gets its phases and decisions as
  // they are compiled.
  const rooms = new RoomService(store, cache, now, limits, new ForkQuota(opts.forkLimits, now), segments, logger);
  let draining = false;

  const web = express();
  web.disable('x-powered-by');
  if (trustProxy > 0) web.set('trust proxy', trustProxy);
  web.use(securityHeaders());
  web.post('/api/rooms', async (req, _res, next) => {
    await countLimit(metrics, 'room:create', addressLimiter.consume('room:create', clientAddress(req, trustProxy)));
    next();
  });
  const httpServer = createServer(web);
  const io: IO = new Server(httpServer, {
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    // No connection-state recovery: it buffers every room broadcast (MB keyframes included) for minutes, and the
    // client re-joins on every connect anyway (clock + keyframe or segments), which also covers a process that died.
    pingInterval: 10_000,
    pingTimeout: 8_000,
    maxHttpBufferSize: 1e6,
    // One message per event-loop turn per socket: a flood's read batch no longer holds up other sockets' messages.
    ...(opts.fairReads === false ? {} : { wsEngine: FairWebSocketServer }),
    allowRequest: (req, cb) => {
      if (draining) return cb('shutting down', false);
      // An address just cut off for flooding waits out its cool-down (refused before any handshake work).
      if (floodCooldown.waitMs(clientAddress(req, trustProxy), performance.now()) > 0) {
        metrics.limited.inc({ limit: 'flood-cooldown' });
        return cb('flood cool-down', false);
      }
      checkOrigin(req, cb);
    },
  });
  const checkOrigin = originCheck(opts.allowedOrigins ?? [], () => metrics.origins.inc());
  const addressOf = connectionAddresses(io, trustProxy);
  io.use((socket, next) => {
    countLimit(metrics, 'connect', addressLimiter.consume('connect', addressOf(socket))).then(
      () => next(),
      (err: unknown) => next(connectError(err)),
    );
  });

  const loop = new PlaybackLoop({
    io,
    rooms,
    store: holdLastKnown(store),
    now,
    tickMs: opts.tickMs ?? 100,
    lookaheadMs: opts.lookaheadMs ?? 2000,
    metrics,
    logger,
    // Safety nets only (changes arrive by the bus): one playhead read per room per 10 s, stop points per minute.
    reconcileMs: opts.reconcileMs ?? 10_000,
    stopsTtlMs: (opts.reconcileMs ?? 10_000) * 6,
    bus: opts.clockBus ?? (opts.adapter ? new AdapterClockBus(io) : noClockBus),
    // The segments store knows how far each progressive fork is compiled: the loop holds clocks there.
    frontier: opts.frontier ?? frontierSourceOf(segments),
  });
  // A room on a fork that finished compiling: its clock took the real end (and a hold resumed); its stops are the
  // final branch's now. (Or the compile failed: the room went back to the fork's parent.)
  rooms.onBranchSettled((roomId, res) => {
    loop.applied(roomId, res.playhead, res.timeline);
    loop.invalidateStops(roomId);
  });
  // A compiling fork's manifest began a phase or reached a decision: its rooms' stops follow.
  rooms.onProvisionalChanged((battleId, branchId) => loop.invalidateBranchStops(battleId, branchId));
  const camera = new CameraService(opts.cameraStore ?? new MemoryCameraStore());
  const cameraCast = new CameraBroadcaster((roomId, s) => {
    io.to(roomId).emit('camera:state', s);
    metrics.broadcasts.inc({ kind: 'camera' });
  });
  const reactions = new ReactionBatcher((roomId, batch) => {
    io.to(roomId).emit('chat:reaction', batch);
    metrics.broadcasts.inc({ kind: 'reaction' });
  }, opts.chat?.reactionWindowMs);
  const chat = new ChatService(opts.chatStore ?? new MemoryChatStore(), rooms, reactions, now, opts.chat?.limits);
  web.use(chatRouter(chat));
  const voteStudy = createVoteStudy(io, rooms, metrics, now, opts.voteStudy);
  const leaving = new Set<Promise<void>>();
  registerSocketHandlers(
    io,
    {
      io,
      rooms,
      loop,
      now,
      logger,
      metrics,
      limits,
      addressLimiter,
      addressOf,
      floodCooldown,
      camera,
      cameraCast,
      chat,
      leaving,
      ...voteStudy.deps,
    },
    metrics,
  );

  web.use(voteStudy.router);
  web.use(segmentRouter({ segments, rooms }));
  web.use(
    apiRouter({
      ...{ rooms, timelines, metrics, logger, segments, roomExtras: voteStudy.extras, chat },
      ...(opts.maxKeyframeJsonBytes === undefined ? {} : { maxKeyframeJsonBytes: opts.maxKeyframeJsonBytes }),
      health: () => healthReport(opts.health ?? [], { rooms: loop.activeRooms, sockets: io.of('/').sockets.size }),
    }),
  );
  const dist = opts.clientDist === undefined ? path.join(ROOT, 'client', 'dist') : opts.clientDist;
  const client = dist ? staticClient(dist) : null;
  if (client) web.use(client);
  web.use(errorHandler(logger));

  loop.start();
  const sweepMs = opts.presenceSweepMs ?? 30_000;
  const presenceSweep =
    sweepMs > 0
      ? startPresenceSweep(io, rooms, sweepMs, logger, {
          healthy: async () => (await healthReport(opts.health ?? [], { rooms: 0, sockets: 0 })).ok,
        })
      : null;

  return {
    httpServer,
    io,
    metrics,
    rooms,
    segments,
    presenceSweep,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve((httpServer.address() as AddressInfo).port);
        });
      });
    },
    async drain() {
      draining = true;
      loop.stop();
      presenceSweep?.stop();
      httpServer.close(); // no new TCP connections; resolves once the last one is gone (not awaited)
      // Close each transport without socket.io's DISCONNECT packet: the client sees "transport close" and
      // reconnects by itself (to another process behind the balancer); after io.disconnect() it would not.
      for (const socket of io.of('/').sockets.values()) socket.conn.close();
      httpServer.closeIdleConnections();
    },
    async close() {
      loop.stop();
      presenceSweep?.stop();
      cameraCast.close();
      reactions.close();
      io.local.disconnectSockets(true); // local: with the Redis adapter the plain form disconnects every process's sockets
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // The members just disconnected are written as such before the store closes (or a caller clears it).
      await Promise.all([...leaving]);
      await voteStudy.close();
      if (opts.ownsStore) await store.close();
      await ownTimelines?.close();
    },
  };
}

/** Count a refusal by an abuse limit in /metrics, then let it propagate. */
async function countLimit(metrics: Metrics, limit: string, p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    metrics.limited.inc({ limit });
    throw err;
  }
}

/** socket.io middleware errors reach the client as connect_error with `message` = code and `data` = the error body. */
function connectError(err: unknown): Error & { data?: unknown } {
  const e: Error & { data?: unknown } = new Error(err instanceof AppError ? err.code : 'INTERNAL');
  e.data = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'internal error' };
  return e;
}
