import type { Logger } from 'pino';
import { isStreamRoom } from '../streaming/RoomStream.js';
import type { IO } from '../types.js';
import type { RoomService } from './RoomService.js';

// A member is marked disconnected by its socket's disconnect handler. A process killed with SIGKILL (or a
// disconnect during a Redis outage) never runs it: its members stay "connected" in the store, show as ghosts in
// presence and would never reach the pruning grace period. Every `everyMs` each process checks the rooms it has
// sockets in against the sockets of all processes (adapter fetchSockets) and marks members without any socket
// as disconnected (from then on the pruning grace runs). It takes two sightings in a row, so a member whose join
// is half-way (stored, socket not yet in the room) is never touched.

export interface PresenceSweep {
  /** One pass now (tests); resolves when done. */
  run(): Promise<void>;
  stop(): void;
}

export function startPresenceSweep(io: IO, rooms: RoomService, everyMs: number, logger: Logger): PresenceSweep {
  let suspects = new Set<string>();
  let running: Promise<void> | null = null;

  const pass = async () => {
    const nsp = io.of('/');
    // Wardroom rooms only: not a socket's own room, nor a room's stream sub-room (its sockets are the room's; sweeping
    // it cost a cross-process fetchSockets, a member read and a TTL refresh of keys that do not exist, per pass).
    const local = [...nsp.adapter.rooms.keys()].filter((id) => !nsp.sockets.has(id) && !isStreamRoom(id));
    const next = new Set<string>();
    for (const roomId of local) {
      try {
        const [sockets, members] = await Promise.all([io.in(roomId).fetchSockets(), rooms.members(roomId)]);
        const live = new Set(sockets.map((s) => s.data.memberId));
        let changed = false;
        for (const m of members) {
          if (!m.connected || live.has(m.memberId)) continue;
          const key = `${roomId}\0${m.memberId}`;
          if (!suspects.has(key)) {
            next.add(key);
            continue;
          }
          await rooms.setConnected(roomId, m.memberId, false);
          changed = true;
        }
        if (changed) io.to(roomId).emit('presence', { members: await rooms.members(roomId) });
      } catch (err) {
        logger.warn({ err, roomId }, 'presence sweep failed'); // Redis away or a process not answering: next pass
      }
    }
    suspects = next;
  };

  const run = () => (running ??= pass().finally(() => (running = null)));
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return {
    run,
    stop: () => clearInterval(timer),
  };
}
