import type { Playhead } from '../store/types.js';

/** What one process tells the others' playback loops. */
export type ClockBusMessage =
  /** A playhead this process wrote (a command, an auto-pause, a hold or resume). */
  | { kind: 'clock'; roomId: string; playhead: Playhead }
  /** Stop points changed (annotation or settings): drop cached stops. */
  | { kind: 'stops'; roomId: string };

/**
 * Clock changes between server processes, so no process polls the store for them. Delivery is best effort:
 * the loop's slow reconciliation read repairs a lost message. A bus never delivers a process its own messages.
 */
export interface ClockBus {
  publish(m: ClockBusMessage): Promise<void>;
  subscribe(listener: (m: ClockBusMessage) => void): () => void;
  /** The store publishes every playhead write on this bus itself (RedisStore.announceClocks): the loop publishes only stop changes. */
  readonly publishedByStore?: boolean;
}

/** One process: nobody else to tell. */
export const noClockBus: ClockBus = {
  publish: async () => {},
  subscribe: () => () => {},
};

/** Several processes in one (tests, benchmarks): each `bus()` is one process's end; nobody hears itself. */
export class MemoryClockHub {
  private readonly ends = new Set<Set<(m: ClockBusMessage) => void>>();

  bus(): ClockBus {
    const mine = new Set<(m: ClockBusMessage) => void>();
    this.ends.add(mine);
    return {
      publish: async (m) => {
        // Asynchronous like a real bus: a publisher never re-enters a listener on its own stack.
        const copy = structuredClone(m);
        queueMicrotask(() => {
          for (const end of this.ends) if (end !== mine) for (const l of end) l(copy);
        });
      },
      subscribe: (listener) => {
        mine.add(listener);
        return () => void mine.delete(listener);
      },
    };
  }
}
