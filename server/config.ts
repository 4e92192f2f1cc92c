import { z } from 'zod';

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
  /** Byte budget of every timeline/segment cache on the main thread (encoded segments, timelines). */
  TIMELINE_CACHE_MB: z.coerce.number().int().min(8).max(65_536).default(256),
  /** Byte budget of compiled branches (events, keyframes, checkpoints) in the compile worker. */
  CHECKPOINT_CACHE_MB: z.coerce.number().int().min(32).max(65_536).default(512),
  /** Forks simulated at once in the compile worker (interleaved a segment at a time); the rest queue. */
  COMPILE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
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
