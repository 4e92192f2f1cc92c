import type { ServerToClientEvents } from '../../shared/protocol/events.js';
import type { HandlerDeps } from './deps.js';

/** Label of `wardroom_broadcasts_total`. */
export type BroadcastKind = 'annotation' | 'state' | 'branch' | 'presence';

export interface RoomBroadcast {
  roomId: string;
  kind: BroadcastKind;
  /** The change moves the room's stop points (annotations, settings): the playback loops re-plan, on every process. */
  stops?: boolean;
}

/**
 * The one way a handler tells a room something: emit to every member on every process (through the adapter),
 * count it, and, when the change moves stop points, tell the playback loop first.
 */
export function broadcast<E extends keyof ServerToClientEvents>(
  d: Pick<HandlerDeps, 'io' | 'loop' | 'metrics'>,
  b: RoomBroadcast,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): void {
  if (b.stops) d.loop.invalidateStops(b.roomId);
  d.io.to(b.roomId).emit(event, ...args);
  d.metrics.broadcasts.inc({ kind: b.kind });
}
