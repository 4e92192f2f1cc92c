import type { Ack } from '../../../shared/protocol/events.js';
import { RoomClient } from '../../lib/roomClient.js';
import type { RoomSession } from './session.js';

// Maps the shared room client library onto the small interface the views use: commands become
// promises that reject with the server's message, so the UI can show it.

export interface OpenSessionOptions {
  roomId: string;
  name: string;
  role?: 'instructor' | 'player' | 'viewer';
  instructorKey?: string;
  clientId: string;
}

async function ok(p: Promise<Ack>): Promise<void> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
}

export function openSession(o: OpenSessionOptions): RoomSession & { client: RoomClient } {
  const client = new RoomClient({
    url: window.location.origin,
    roomId: o.roomId,
    name: o.name,
    role: o.role,
    instructorKey: o.instructorKey,
    clientId: o.clientId,
  });
  return {
    client,
    roomId: o.roomId,
    room: () => client.room(),
    you: () => client.you(),
    clock: () => client.clock(),
    connection: () => client.connection(),
    lastError: () => client.lastError(),
    positionNow: () => client.positionNow(),
    stateNow: () => client.stateNow(),
    onEvents: (fn) => client.onEvents(fn),
    subscribe: (fn) => client.subscribe((c) => fn(c)),
    play: () => ok(client.play()),
    pause: () => ok(client.pause()),
    seek: (ms) => ok(client.seek(Math.max(0, ms))),
    setRate: (r) => ok(client.setRate(r)),
    stepPhase: (s) => ok(client.stepPhase(s)),
    close: () => client.close(),
  };
}
