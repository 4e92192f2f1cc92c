import { io as ioc, type Socket } from 'socket.io-client';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { Ack, ClientToServerEvents, JoinResult, ServerToClientEvents } from '../../shared/protocol/events.js';
import type { JoinPayload } from '../../shared/protocol/schemas.js';

/**
 * A bare socket.io client joined with `delivery: 'segments'`: it records every event it receives, so a test can
 * assert what the server sent it (the clock and control events) and what it never sent (timeline data).
 */
export interface SegmentsSocket {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  joined: JoinResult;
  /** Every server event received, in order, with its local receipt time. */
  received: { event: string; at: number; args: unknown[] }[];
  clock(): PlaybackClock | null;
  close(): void;
}

export async function segmentsSocket(url: string, join: Omit<JoinPayload, 'delivery'>, delivery: JoinPayload['delivery'] = 'segments'): Promise<SegmentsSocket> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioc(url, { forceNew: true, transports: ['websocket'] });
  const received: SegmentsSocket['received'] = [];
  let clock: PlaybackClock | null = null;
  socket.onAny((event: string, ...args: unknown[]) => {
    received.push({ event, at: performance.timeOrigin + performance.now(), args });
    if (event === 'playback:clock') {
      const c = args[0] as PlaybackClock;
      if (!clock || c.version >= clock.version) clock = c;
    }
  });
  const res = await new Promise<Ack<JoinResult>>((resolve) => socket.emit('room:join', { ...join, delivery }, resolve));
  if (!res.ok) {
    socket.close();
    throw new Error(`${res.error.code}: ${res.error.message}`);
  }
  if (!clock || res.room.clock.version > (clock as PlaybackClock).version) clock = res.room.clock;
  return { socket, joined: res, received, clock: () => clock, close: () => void socket.close() };
}
