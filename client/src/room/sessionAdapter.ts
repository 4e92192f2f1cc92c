import type { RoomSession } from './session.js';

// Placeholder until client/lib/roomClient.ts lands: a session that never connects.

export interface OpenSessionOptions {
  roomId: string;
  name: string;
  role?: 'instructor' | 'player' | 'viewer';
  instructorKey?: string;
  clientId: string;
}

export function openSession(o: OpenSessionOptions): RoomSession {
  const notYet = (): Promise<void> => Promise.reject(new Error('not connected'));
  return {
    roomId: o.roomId,
    room: () => null,
    you: () => null,
    clock: () => null,
    connection: () => 'connecting',
    lastError: () => null,
    positionNow: () => 0,
    stateNow: () => null,
    onEvents: () => () => undefined,
    subscribe: () => () => undefined,
    play: notYet,
    pause: notYet,
    seek: notYet,
    setRate: notYet,
    stepPhase: notYet,
    close: () => undefined,
  };
}
