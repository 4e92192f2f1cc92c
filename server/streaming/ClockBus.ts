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
}

/** One process: nobody else to tell. */
export const noClockBus: ClockBus = {
  publish: async () => {},
  subscribe: () => () => {},
};
