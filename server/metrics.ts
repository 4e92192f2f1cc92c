import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so several apps in one test process do not collide. */
export function createMetrics(opts: { defaultMetrics?: boolean; workerRestarts?: () => number } = {}) {
  let restartsSeen = 0;
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry }); // includes nodejs_eventloop_lag_*
  const m = {
    registry,
    rooms: new Gauge({ name: 'wardroom_rooms_active', help: 'Rooms with sockets on this process', registers: [registry] }),
    sockets: new Gauge({ name: 'wardroom_sockets', help: 'Connected sockets on this process', registers: [registry] }),
    ticks: new Counter({ name: 'wardroom_loop_ticks_total', help: 'Playback loop ticks', registers: [registry] }),
    broadcasts: new Counter({
      name: 'wardroom_broadcasts_total',
      help: 'Room broadcasts (one socket.io emit to a room), by message kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    eventsSent: new Counter({
      name: 'wardroom_events_sent_total',
      help: 'Battle events streamed (per broadcast, not per socket)',
      registers: [registry],
    }),
    tickLag: new Histogram({
      name: 'wardroom_loop_lag_ms',
      help: 'How late a playback loop tick ran versus its schedule (event loop lag as the loop sees it)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000],
      registers: [registry],
    }),
    tickDuration: new Histogram({
      name: 'wardroom_loop_tick_ms',
      help: "Wall time of one room's refresh by the loop (store reads + broadcast); the common tick does no I/O",
      buckets: [0.5, 1, 2, 5, 10, 25, 50, 100, 250],
      registers: [registry],
    }),
    clockDelivery: new Histogram({
      name: 'wardroom_clock_delivery_ms',
      help: "From a clock change (its serverTime, set by the commanding process) to this process emitting it to its sockets; path 'local': the commanding process, 'bus': another process (includes the difference between the processes' clocks)",
      labelNames: ['path'] as const,
      buckets: [1, 2, 3, 5, 8, 13, 21, 50, 100, 250],
      registers: [registry],
    }),
    clockRepairs: new Counter({
      name: 'wardroom_clock_repairs_total',
      help: "Playheads the loop's slow reconciliation read found newer than it held (a clock change message was lost)",
      registers: [registry],
    }),
    commands: new Counter({
      name: 'wardroom_socket_commands_total',
      help: 'Socket commands by event and result',
      labelNames: ['event', 'result'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'wardroom_socket_refused_total',
      help: 'Socket commands refused by the per-socket budget (RATE_LIMITED)',
      registers: [registry],
    }),
    floodDisconnects: new Counter({
      name: 'wardroom_flood_disconnects_total',
      help: 'Sockets disconnected for flooding past their budget',
      registers: [registry],
    }),
    limited: new Counter({
      name: 'wardroom_limits_hit_total',
      help: 'Requests refused by an abuse limit, by limit',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
    origins: new Counter({
      name: 'wardroom_origin_rejected_total',
      help: 'Socket handshakes refused for their Origin',
      registers: [registry],
    }),
    workerRestarts: new Counter({
      name: 'wardroom_worker_restarts_total',
      help: 'Compile workers that died (heap limit, crash) and were replaced; their calls failed with UNAVAILABLE',
      registers: [registry],
      collect() {
        const n = opts.workerRestarts?.() ?? 0;
        if (n > restartsSeen) this.inc(n - restartsSeen);
        restartsSeen = n;
      },
    }),
    processErrors: new Counter({
      name: 'wardroom_process_errors_total',
      help: 'Unhandled rejections and uncaught exceptions caught at the process level (logged, not fatal)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
