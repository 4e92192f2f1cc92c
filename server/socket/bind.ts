import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Ack, AckFn, ClientToServerEvents, ErrorCode, Member } from '../../shared/protocol/events.js';
import type { ClientEventName, clientEventSchemas } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import type { AddressLimit, AddressLimiter } from '../limits/AddressLimiter.js';
import { dropConnection, holdReads } from '../limits/backpressure.js';
import type { FloodCooldown } from '../limits/FloodCooldown.js';
import { SocketBudget } from '../limits/SocketBudget.js';
import type { LimitSettings } from '../limits/settings.js';
import type { Metrics } from '../metrics.js';
import type { AppSocket } from '../types.js';

// The one place a socket event becomes a handler call: normalize the ack callback (it may be missing,
// not a function, or passed in the payload's position), spend the socket's budget (a flood is cut off),
// spend the address budget of the events that have one, zod-parse with the event's registered schema,
// run, and turn any failure into an error ack. No handler can crash the process or leave a client's ack hanging.

type Reply = (res: Ack) => void;
type LooseSocket = { on(event: string, listener: (...args: unknown[]) => void): unknown };

/** What a handler of `E` returns: the ack type of `E` without its `ok: true`. */
export type AckResult<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends AckFn<infer T> ? T : never;

export interface BindDeps {
  logger: Logger;
  metrics: Metrics;
  limits: LimitSettings;
  addressLimiter: AddressLimiter;
  /** The client address of a socket (TRUST_PROXY-aware), for per-address budgets. */
  addressOf(socket: AppSocket): string;
  /** Addresses cut off for flooding, refused new sockets for FLOOD_COOLDOWN_MS (checked in allowRequest). */
  floodCooldown: FloodCooldown;
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

/** Events that also spend a per-address budget (shared across processes with Redis). */
const ADDRESS_BUDGET: Partial<Record<ClientEventName, AddressLimit>> = { 'room:join': 'room:join' };

const REFUSED: Ack = Object.freeze(errorAck('RATE_LIMITED', 'too many requests; slow down'));
const budgets = new WeakMap<AppSocket, SocketBudget>();

/**
 * Bind `event`'s handler. `schema` must be the event's entry in `clientEventSchemas` (a type error otherwise),
 * and the handler's result must be the event's ack type.
 */
export function bind<E extends ClientEventName, S extends (typeof clientEventSchemas)[E]>(
  target: AppSocket | HandlerTable,
  deps: BindDeps,
  event: E,
  schema: S,
  handler: (payload: z.infer<S>, ctx: Ctx) => Promise<AckResult<E>>,
): void {
  const listener = (socket: AppSocket, args: unknown[]): void => {
    let own = budgets.get(socket);
    if (!own) {
      own = new SocketBudget(deps.limits.socketEventsPerS, 1000, deps.limits.floodDisconnectMs, deps.limits.floodBurst);
      budgets.set(socket, own);
      shedBeforeDecoding(socket, deps, own);
    }
    // socket.io passes the ack last; `emit('playback:play', ack)` has no payload at all.
    const last = args[args.length - 1];
    const ackFn = typeof last === 'function' ? (last as Reply) : null;
    // Refusing must stay cheap under a flood: no promise, no log line, one unlabelled counter.
    const now = performance.now();
    const verdict = own.take(now);
    if (verdict !== 'ok') {
      deps.metrics.refused.inc();
      if (verdict === 'flood') {
        cutOff(socket, deps);
        return;
      }
      // Every answer is a write: refusals are answered up to the budget again per window (a client bursting to
      // twice its budget hears about each one); past that the socket floods and the rest of the read batch is
      // dropped unanswered, with no closure or write per message.
      if (ackFn && own.refusals <= deps.limits.socketEventsPerS) answerRefused(ackFn);
      holdReads(socket, own.windowLeft(now)); // read nothing more from it until its window ends
      return;
    }
    const reply: Reply = ackFn ? safeReply(ackFn, deps.logger) : () => {};
    const raw = typeof args[0] === 'function' ? undefined : args[0];
    // The handler gets exactly what `schema` parsed, so erasing its payload type here is safe.
    void run(socket, deps, event, schema, handler as unknown as Handler<E>, raw, reply);
  };
  if (target instanceof HandlerTable) target.set(event, listener);
  else (target as unknown as LooseSocket).on(event, (...args: unknown[]) => listener(target, args));
}

/**
 * Client event handlers registered once per server instead of once per socket: each socket gets one shared
 * dispatcher (socket.io's onAny listener, called with the socket as `this`), so a connection costs no handler
 * closures. Per socket that was ~30 events x (listener + handler closure + their contexts): a few KB of heap,
 * multiplied by every viewer (docs/benchmarks.md, "Scale").
 */
export class HandlerTable {
  private readonly handlers = new Map<string, (socket: AppSocket, args: unknown[]) => void>();
  private readonly dispatch: (this: AppSocket, event: unknown, ...args: unknown[]) => void;

  constructor() {
    const handlers = this.handlers;
    this.dispatch = function (this: AppSocket, event: unknown, ...args: unknown[]): void {
      if (typeof event === 'string') handlers.get(event)?.(this, args);
    };
  }

  set(event: string, listener: (socket: AppSocket, args: unknown[]) => void): void {
    if (this.handlers.has(event)) throw new Error(`handler for ${event} registered twice`);
    this.handlers.set(event, listener);
  }

  /** Route every client event of `socket` through the table. */
  attach(socket: AppSocket): void {
    (socket as unknown as { onAny(fn: (...args: unknown[]) => void): void }).onAny(this.dispatch as (...args: unknown[]) => void);
  }
}

/**
 * A flood's messages are dropped before socket.io decodes them once the socket is past its budget and past the
 * refusals it gets answered in this window: socket.io's client reads engine.io's `data` events, so this filter
 * sits in front of that listener. (The messages of one TCP read arrive together, so a read held back by
 * holdReads still brings a batch; decoding it cost most of a flood's remaining stall.) The dropped messages still
 * count toward the cut-off.
 */
function shedBeforeDecoding(socket: AppSocket, deps: BindDeps, budget: SocketBudget): void {
  const client = socket.client as unknown as { ondata?: (data: unknown) => void };
  const decode = client.ondata;
  if (typeof decode !== 'function' || !socket.conn.listeners('data').includes(decode)) return; // socket.io changed: stay correct
  socket.conn.off('data', decode);
  socket.conn.on('data', (data: unknown) => {
    const now = performance.now();
    if (!budget.shedding(now, deps.limits.socketEventsPerS)) return decode(data);
    deps.metrics.refused.inc();
    if (budget.take(now) === 'flood') cutOff(socket, deps);
  });
}

function answerRefused(ack: Reply): void {
  try {
    ack(REFUSED);
  } catch {
    // A client ack that throws is its own problem; a refusal stays silent in the logs.
  }
}

function cutOff(socket: AppSocket, deps: BindDeps): void {
  if (!socket.connected) return;
  const address = deps.addressOf(socket);
  deps.metrics.floodDisconnects.inc();
  deps.logger.warn({ socket: socket.id, address }, 'socket flooded past its budget: disconnected');
  deps.floodCooldown.add(address, performance.now());
  socket.disconnect(true);
  dropConnection(socket);
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

type Handler<E extends ClientEventName> = (payload: unknown, ctx: Ctx) => Promise<AckResult<E>>;

async function run<E extends ClientEventName>(
  socket: AppSocket,
  deps: BindDeps,
  event: E,
  schema: z.ZodType,
  handler: Handler<E>,
  raw: unknown,
  reply: Reply,
): Promise<void> {
  const done = (result: string, res: Ack) => {
    deps.metrics.commands.inc({ event, result });
    reply(res);
  };
  try {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
      return done('BAD_REQUEST', errorAck('BAD_REQUEST', message.slice(0, 500)));
    }
    const addressBudget = ADDRESS_BUDGET[event];
    if (addressBudget) {
      await deps.addressLimiter.consume(addressBudget, deps.addressOf(socket)).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'RATE_LIMITED') deps.metrics.limited.inc({ limit: addressBudget });
        throw err;
      });
    }
    const out = await handler(parsed.data, contextOf(socket));
    done('ok', { ok: true, ...out });
  } catch (err) {
    if (err instanceof AppError) return done(err.code, errorAck(err.code, err.message));
    deps.logger.error({ err, event, socket: socket.id }, 'socket handler failed');
    done('INTERNAL', errorAck('INTERNAL', 'internal error'));
  }
}
