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
  /** Every key of a room expires after this many days without use (refreshed on use). */
  ROOM_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
  /** Members disconnected longer than this are pruned from the member list (their annotations stay). */
  MEMBER_GRACE_S: z.coerce.number().int().min(0).max(30 * 86_400).default(900),
  /** Compile every battle's history at startup ('false': on first use; clusters of test processes on a small machine). */
  COMPILE_ON_START: z.enum(['true', 'false']).default('true'),
  /** How often each process marks members left "connected" by a killed process as disconnected (0: never). */
  PRESENCE_SWEEP_S: z.coerce.number().min(0).max(3600).default(30),
});

export type Config = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!r.success) {
    throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
