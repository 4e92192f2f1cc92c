import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pino, type Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Server, type ServerOptions } from 'socket.io';
import { apiRouter, errorHandler } from './http/api.js';
import { segmentRouter } from './http/segments.js';
import { staticClient } from './http/static.js';
import { createMetrics, type Metrics } from './metrics.js';
import { RoomService } from './rooms/RoomService.js';
import { registerSocketHandlers } from './socket/index.js';
import { MemoryStore } from './store/memory.js';
import type { Store } from './store/types.js';
import { AdapterClockBus } from './streaming/AdapterClockBus.js';
import { noClockBus, type ClockBus } from './streaming/ClockBus.js';
import type { FrontierSource } from './streaming/FrontierSource.js';
import { loopFrontierOf } from './streaming/segmentFrontier.js';
import { PlaybackLoop } from './streaming/PlaybackLoop.js';
import { WorkerTimelineService } from './timelines/WorkerTimelineService.js';
import { TimelineCache } from './timelines/TimelineCache.js';
import { ForkQuota, type ForkLimits } from './timelines/ForkQuota.js';
import { SegmentStore } from './timelines/SegmentStore.js';
import { isSegmentSource } from './timelines/segments/types.js';
import { TimelineSegmentSource } from './timelines/segments/TimelineSegmentSource.js';
import type { TimelineService } from './timelines/TimelineService.js';
import type { IO } from './types.js';

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
  /** How far progressive branches are compiled (the loop holds a room's clock at the frontier). Default: all complete. */
  frontier?: FrontierSource;
  /** Clock changes between processes. Default: over the adapter's server-side events when an adapter is given. */
  clockBus?: ClockBus;
  /** Safety-net re-read of each room's playhead and stop points (ms). Default 5000. */
  reconcileMs?: number;
  /** Byte budget of the main thread's timeline caches (TIMELINE_CACHE_MB), in MB: 3/4 timelines, 1/4 segments. Default 256. */
  timelineCacheMb?: number;
  /** For the default worker: byte budget of its compiled branches (CHECKPOINT_CACHE_MB) and compiles at once. */
  checkpointCacheMb?: number;
  compileConcurrency?: number;
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
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function createApp(opts: AppOptions = {}): App {
  const logger = opts.logger ?? pino({ level: 'info' });
  const now = opts.now ?? Date.now;
  const store = opts.store ?? new MemoryStore();
  const ownTimelines = opts.timelines
    ? null
    : new WorkerTimelineService({ checkpointCacheMb: opts.checkpointCacheMb ?? 512, compileConcurrency: opts.compileConcurrency ?? 2 });
  const timelines = opts.timelines ?? ownTimelines!;
  const metrics = createMetrics({ defaultMetrics: opts.defaultMetrics });
  // Bounded in bytes (a large battle's timeline is tens of MB): 3/4 of TIMELINE_CACHE_MB for timelines (the
  // socket delivery's), 1/4 for encoded segments. The engine keeps its own bounded LRU of compiled branches.
  const cacheBytes = (opts.timelineCacheMb ?? 256) * 1024 * 1024;
  const cache = new TimelineCache(timelines, 16, Math.floor(cacheBytes * 0.75));
  const rooms = new RoomService(store, cache, now, new ForkQuota(opts.forkLimits, now));
  const segmentSource = isSegmentSource(timelines) ? timelines : new TimelineSegmentSource(cache.service);
  const segments = new SegmentStore(segmentSource, { maxBytes: Math.floor(cacheBytes * 0.25) });

  const web = express();
  web.disable('x-powered-by');
  const httpServer = createServer(web);
  const io: IO = new Server(httpServer, {
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    // A browser that drops for a moment gets its missed packets replayed; the client library
    // re-joins on every connect anyway, so a process that died (no recovery state) is also covered.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
    pingInterval: 10_000,
    pingTimeout: 8_000,
    maxHttpBufferSize: 1e6,
  });

  const loop = new PlaybackLoop({
    io,
    rooms,
    store,
    now,
    tickMs: opts.tickMs ?? 100,
    lookaheadMs: opts.lookaheadMs ?? 2000,
    metrics,
    logger,
    reconcileMs: opts.reconcileMs ?? 5000,
    stopsTtlMs: opts.reconcileMs ?? 5000,
    bus: opts.clockBus ?? (opts.adapter ? new AdapterClockBus(io) : noClockBus),
    frontier: opts.frontier ?? loopFrontierOf(segments),
  });
  const rl = opts.rateLimit ?? { points: 60, durationS: 1 };
  const limiter = new RateLimiterMemory({ points: rl.points, duration: rl.durationS });
  registerSocketHandlers(io, { io, rooms, loop, now, limiter, logger, metrics }, metrics);

  web.use(segmentRouter({ segments, rooms }));
  web.use(apiRouter({ rooms, timelines, metrics, logger, health: () => ({ rooms: loop.activeRooms, sockets: io.of('/').sockets.size }) }));
  const dist = opts.clientDist === undefined ? path.join(ROOT, 'client', 'dist') : opts.clientDist;
  const client = dist ? staticClient(dist) : null;
  if (client) web.use(client);
  web.use(errorHandler(logger));

  loop.start();

  return {
    httpServer,
    io,
    metrics,
    rooms,
    segments,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve((httpServer.address() as AddressInfo).port);
        });
      });
    },
    async close() {
      loop.stop();
      io.local.disconnectSockets(true); // local: with the Redis adapter the plain form disconnects every process's sockets
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (opts.ownsStore) await store.close();
      await ownTimelines?.close();
    },
  };
}
