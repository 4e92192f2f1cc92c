import type { Ack } from '../../../shared/protocol/events.js';
import { permissionsOf, type Permissions } from '../../../shared/rules/permissions.js';
import type { RoomClient } from '../../lib/roomClient.js';

// The one handle the room page and its features get on the live room. The shared room client
// (client/lib/roomClient.ts) implements it; views depend on this subset only.

export type RoomHandle = Pick<
  RoomClient,
  | 'roomId'
  | 'room'
  | 'you'
  | 'clock'
  | 'connection'
  | 'lastError'
  | 'positionNow'
  | 'sync'
  | 'stateNow'
  | 'manifest'
  | 'segmentWorld'
  | 'stateBranchId'
  | 'onEvents'
  | 'subscribe'
  | 'play'
  | 'pause'
  | 'seek'
  | 'setRate'
  | 'phase'
  | 'stepPhase'
  | 'settings'
  | 'addAnnotation'
  | 'editAnnotation'
  | 'deleteAnnotation'
  | 'importAnnotations'
  | 'fork'
  | 'switchBranch'
  | 'close'
  // Features with events of their own: typed `call(event, payload)` and the socket for their server events.
  | 'call'
  | 'socket'
>;

/** A command's ack as a promise that rejects with the server's message (for UIs that show it). */
export async function must(p: Promise<Ack>): Promise<void> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
}

/** What this member may do now (shared/rules/permissions.ts: the rules the server enforces). */
export function permissions(room: Pick<RoomHandle, 'room' | 'you'>): Permissions {
  return permissionsOf(room.room(), room.you());
}
