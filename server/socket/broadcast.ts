import type { ServerToClientEvents } from '../../shared/protocol/events.js';
import { AppError } from '../errors.js';
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

/** `branch:failed` for a progressive fork whose compile could not be finished (docs/protocol.md). */
export function forkFailure(branchId: string, err: unknown): Parameters<ServerToClientEvents['branch:failed']>[0] {
  return {
    branchId,
    error:
      err instanceof AppError
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: 'the what-if could not be simulated; fork again' },
  };
}
