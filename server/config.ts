import { z } from 'zod';
import { DEFAULT_LIMITS, type LimitSettings } from './limits/settings.js';

const limit = (def: number) => z.coerce.number().int().min(1).max(1_000_000).default(def);
const limitEnv = {
  LIMIT_ROOMS_PER_MIN: limit(DEFAULT_LIMITS.roomsPerMin),
  LIMIT_CONNECTIONS_PER_MIN: limit(DEFAULT_LIMITS.connectionsPerMin),
  LIMIT_JOINS_PER_MIN: limit(DEFAULT_LIMITS.joinsPerMin),
  LIMIT_ROOM_MEMBERS: limit(DEFAULT_LIMITS.roomMembers),
  LIMIT_ROOM_ANNOTATIONS: limit(DEFAULT_LIMITS.roomAnnotations),
  LIMIT_ROOM_BRANCHES: limit(DEFAULT_LIMITS.roomBranches),
  SOCKET_EVENTS_PER_S: limit(DEFAULT_LIMITS.socketEventsPerS),
  FLOOD_DISCONNECT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_LIMITS.floodDisconnectMs),
  FLOOD_BURST: limit(DEFAULT_LIMITS.floodBurst),
  FLOOD_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_LIMITS.floodCooldownMs),
};

// Environment, validated once at startup: a typo fails loudly instead of running with a default.
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().optional(),
  REDIS_URL: z.string().url().optional(),
  /** Key prefix in Redis, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().min(1).default('wardroom:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TICK_MS: z.coerce.number().int().min(10).max(1000).default(100),
  LOOKAHEAD_MS: z.coerce.number().int().min(200).max(30_000).default(2000),
  // ---- hardening (docs/protocol.md "Limits", docs/security.md) ----
  /** Comma-separated origins allowed to open a socket (besides the server's own and localhost). */
  ALLOWED_ORIGINS: z
    .string()
    .max(4000)
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  /** Proxy hops to trust for X-Forwarded-For (0: use the socket's peer address). */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  ...limitEnv,
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(9000).default(8000),
  /** Every key of a room expires after this many days without use (refreshed on use). */
  ROOM_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
  /** Members disconnected longer than this are pruned from the member list (their annotations stay). */
  MEMBER_GRACE_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(900),
  /** Compile every battle's history at startup ('false': on first use; clusters of test processes on a small machine). */
  COMPILE_ON_START: z.enum(['true', 'false']).default('true'),
  /** How often each process marks members left "connected" by a killed process as disconnected (0: never). */
  PRESENCE_SWEEP_S: z.coerce.number().min(0).max(3600).default(30),
  /** Byte budget of every timeline/segment cache on the main thread (encoded segments, timelines). */
  TIMELINE_CACHE_MB: z.coerce.number().int().min(8).max(65_536).default(256),
  /**
   * With REDIS_URL: byte bound of the segments and manifests shared between processes in Redis. 0: no shared segment
   * cache (the room store stays on Redis; a process rebuilds a branch it never compiled from the room's record).
   */
  SEGMENT_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(1024),
  /** With REDIS_URL: a shared segment expires this long after it was last written. */
  SEGMENT_CACHE_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  /** Byte budget of compiled branches (events, keyframes, checkpoints) in the compile worker. */
  CHECKPOINT_CACHE_MB: z.coerce.number().int().min(32).max(65_536).default(512),
  /** Forks simulated at once in the compile worker (interleaved a segment at a time); the rest queue. */
  COMPILE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** The compile worker's heap cap in MB (unset: CHECKPOINT_CACHE_MB + 96, at least 384); past it the worker is replaced. */
  WORKER_HEAP_MB: z.coerce.number().int().min(32).max(65_536).optional(),
  /** Directory for compiled histories, keyed on the compile's sources: a restart reads them instead of compiling. */
  HISTORY_CACHE_DIR: z.string().min(1).optional(),
  /** Pending (compiling or queued) forks per room, per client address, and in total; past them: RATE_LIMITED. */
  FORK_PENDING_PER_ROOM: z.coerce.number().int().min(1).max(1000).default(4),
  FORK_PENDING_PER_ADDRESS: z.coerce.number().int().min(1).max(1000).default(4),
  FORK_PENDING_MAX: z.coerce.number().int().min(1).max(10_000).default(8),
});

export type Config = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!r.success) {
    throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** The shared segment cache's bound and expiry (for connectRedisBackend); undefined when SEGMENT_CACHE_MB is 0. */
export function segmentCacheOf(c: Config): { maxBytes: number; ttlMs: number } | undefined {
  if (c.SEGMENT_CACHE_MB === 0) return undefined;
  return { maxBytes: c.SEGMENT_CACHE_MB * 1024 * 1024, ttlMs: c.SEGMENT_CACHE_TTL_S * 1000 };
}

/** The abuse limits of a loaded config (for createApp's `limits`). */
export function limitsOf(c: Config): LimitSettings {
  return {
    roomsPerMin: c.LIMIT_ROOMS_PER_MIN,
    connectionsPerMin: c.LIMIT_CONNECTIONS_PER_MIN,
    joinsPerMin: c.LIMIT_JOINS_PER_MIN,
    roomMembers: c.LIMIT_ROOM_MEMBERS,
    roomAnnotations: c.LIMIT_ROOM_ANNOTATIONS,
    roomBranches: c.LIMIT_ROOM_BRANCHES,
    socketEventsPerS: c.SOCKET_EVENTS_PER_S,
    floodDisconnectMs: c.FLOOD_DISCONNECT_MS,
    floodBurst: c.FLOOD_BURST,
    floodCooldownMs: c.FLOOD_COOLDOWN_MS,
  };
}
