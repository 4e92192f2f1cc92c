import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import type { LimitSettings } from './settings.js';

// Per-address budgets on rate-limiter-flexible: in memory for one process, on Redis when several processes
// serve the same clients (the same address then shares one budget across all of them).

export type AddressLimit = 'room:create' | 'connect' | 'room:join';

export interface AddressLimiterOptions {
  limits: LimitSettings;
  /** A connected node-redis client: budgets shared by every process using the same Redis and prefix. */
  redis?: unknown;
  prefix?: string;
}

export class AddressLimiter {
  private readonly limiters: Record<AddressLimit, RateLimiterAbstract>;

  constructor(o: AddressLimiterOptions) {
    const make = (kind: AddressLimit, points: number): RateLimiterAbstract => {
      const keyPrefix = `${o.prefix ?? 'wardroom:'}rl:${kind}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
      // With Redis down, each process falls back to its own in-memory budget instead of refusing everyone.
      return o.redis
        ? new RateLimiterRedis({
            ...{ storeClient: o.redis, useRedisPackage: true, keyPrefix, points, duration: 60 },
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
    };
    this.limiters = {
      'room:create': make('room:create', o.limits.roomsPerMin),
      connect: make('connect', o.limits.connectionsPerMin),
      'room:join': make('room:join', o.limits.joinsPerMin),
    };
  }

  /** Spend one unit of `kind` for `address`; RATE_LIMITED (with the wait) when the minute's budget is gone. */
  async consume(kind: AddressLimit, address: string): Promise<void> {
    try {
      await this.limiters[kind].consume(address);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const s = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new AppError('RATE_LIMITED', `too many ${kind} from your address; retry in ${s} s`);
      }
      throw err; // the store failed: INTERNAL, logged by the caller
    }
  }
}
