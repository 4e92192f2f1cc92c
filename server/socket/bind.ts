import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { Ack, ErrorCode, Member } from '../../shared/protocol/events.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AppSocket } from '../types.js';

// The one place a socket event becomes a handler call: normalize the ack callback (it may be missing,
// not a function, or passed in the payload's position), rate-limit, zod-parse, run, and turn any
// failure into an error ack. No handler can crash the process or leave a client's ack hanging.

type Reply = (res: Ack) => void;
type LooseSocket = { on(event: string, listener: (...args: unknown[]) => void): unknown };

export interface BindDeps {
  limiter: RateLimiterMemory;
  logger: Logger;
  metrics: Metrics;
}

export interface Ctx {
  socket: AppSocket;
  /** The joined member (NOT_IN_ROOM otherwise). */
  member(): { roomId: string; member: Member };
}

export function contextOf(socket: AppSocket): Ctx {
  return {
    socket,
    member() {
      const d = socket.data;
      if (!d.roomId || !d.memberId || !d.role || !d.name) throw new AppError('NOT_IN_ROOM', 'join a room first');
      return { roomId: d.roomId, member: { memberId: d.memberId, name: d.name, role: d.role, connected: true } };
    },
  };
}

export function errorAck(code: ErrorCode, message: string): Ack {
  return { ok: false, error: { code, message } };
}

export function bind<S extends z.ZodType, R extends object>(
  socket: AppSocket,
  deps: BindDeps,
  event: string,
  schema: S,
  handler: (payload: z.infer<S>, ctx: Ctx) => Promise<R>,
): void {
  (socket as unknown as LooseSocket).on(event, (...args: unknown[]) => {
    // socket.io passes the ack last; `emit('playback:play', ack)` has no payload at all.
    const last = args[args.length - 1];
    const reply: Reply = typeof last === 'function' ? safeReply(last as Reply, deps.logger) : () => {};
    const raw = typeof args[0] === 'function' ? undefined : args[0];
    void run(socket, deps, event, schema, handler, raw, reply);
  });
}

function safeReply(fn: Reply, logger: Logger): Reply {
  let done = false;
  return (res) => {
    if (done) return;
    done = true;
    try {
      fn(res);
    } catch (err) {
      logger.warn({ err }, 'ack callback threw');
    }
  };
}

async function run<S extends z.ZodType, R extends object>(
  socket: AppSocket,
  deps: BindDeps,
  event: string,
  schema: S,
  handler: (payload: z.infer<S>, ctx: Ctx) => Promise<R>,
  raw: unknown,
  reply: Reply,
): Promise<void> {
  const done = (result: string, res: Ack) => {
    deps.metrics.commands.inc({ event, result });
    reply(res);
  };
  try {
    await deps.limiter.consume(socket.id);
  } catch {
    return done('RATE_LIMITED', errorAck('RATE_LIMITED', 'too many requests; slow down'));
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    return done('BAD_REQUEST', errorAck('BAD_REQUEST', message));
  }
  try {
    const out = await handler(parsed.data, contextOf(socket));
    done('ok', { ok: true, ...out });
  } catch (err) {
    if (err instanceof AppError) return done(err.code, errorAck(err.code, err.message));
    deps.logger.error({ err, event, socket: socket.id }, 'socket handler failed');
    done('INTERNAL', errorAck('INTERNAL', 'internal error'));
  }
}
