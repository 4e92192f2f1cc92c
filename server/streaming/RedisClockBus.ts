import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CLOCK_REASON_KIND, type ClockReason } from '../../shared/clock/reason.js';
import type { RedisClient } from '../store/redis.js';
import type { ClockBus, ClockBusMessage } from './ClockBus.js';

const Clock = z.object({
  state: z.enum(['playing', 'paused']),
  positionMs: z.number(),
  rate: z.number(),
  serverTime: z.number(),
  version: z.number().int(),
  durationMs: z.number(),
  reason: z.enum(Object.keys(CLOCK_REASON_KIND) as [ClockReason, ...ClockReason[]]).optional(),
});
const Envelope = z.object({
  from: z.string(),
  m: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('clock'), roomId: z.string(), playhead: z.object({ branchId: z.string(), clock: Clock }) }),
    z.object({ kind: z.literal('stops'), roomId: z.string() }),
  ]),
});

/**
 * The clock bus on one Redis pub/sub channel of its own, on connections the process already has (the adapter's
 * publisher and subscriber). With `RedisStore.announceClocks(bus)` the store publishes each playhead write INSIDE its
 * compare-and-set script, so the other processes get the new clock as the writer gets its reply: one Redis hop,
 * not a reply and then a publish. Messages carry their process's id; nobody hears its own.
 */
export class RedisClockBus implements ClockBus {
  readonly origin = randomUUID();
  /** How this process's own messages begin (see encode): the writer hears its own PUBLISH and drops it unparsed. */
  private readonly ownPrefix = `{"from":${JSON.stringify(this.origin)},`;
  private readonly listeners = new Set<(m: ClockBusMessage) => void>();
  private subscribed: Promise<void> | null = null;
  publishedByStore = false;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    readonly channel: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** The wire form of one message from this process (also what the store's script publishes). */
  encode(m: ClockBusMessage): string {
    return JSON.stringify({ from: this.origin, m });
  }

  async publish(m: ClockBusMessage): Promise<void> {
    await this.pub.publish(this.channel, this.encode(m));
  }

  subscribe(listener: (m: ClockBusMessage) => void): () => void {
    this.listeners.add(listener);
    // One channel subscription per process, added to the subscriber connection's others (node-redis resubscribes
    // it after a reconnect with the adapter's).
    this.subscribed ??= this.sub
      .subscribe(this.channel, (raw) => this.deliver(raw))
      .catch((err: unknown) => {
        this.subscribed = null;
        this.onError(err);
      });
    return () => void this.listeners.delete(listener);
  }

  /** Resolves once the channel subscription is in place (tests; delivery is best effort anyway). */
  ready(): Promise<void> {
    return this.subscribed ?? Promise.resolve();
  }

  private deliver(raw: string): void {
    // Our own write's message arrives on our subscriber as the write's reply arrives on the command connection: skip
    // it before any parsing, so it never delays the local emit that reply is waiting for.
    if (raw.startsWith(this.ownPrefix)) return;
    let parsed: z.infer<typeof Envelope>;
    try {
      parsed = Envelope.parse(JSON.parse(raw));
    } catch (err) {
      this.onError(err);
      return;
    }
    if (parsed.from === this.origin) return;
    const m: ClockBusMessage = parsed.m;
    for (const l of this.listeners) l(m);
  }
}
