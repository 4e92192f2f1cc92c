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
//
// Ghosts only appear when a process dies or a backend goes away, so a timed pass sweeps the rooms only then
// (issue #12: a playing room needs ~no Redis commands when nothing changes; sweeping every room every pass cost
// 0.7 commands per room per second): when the number of server processes changed since the last pass (the
// adapter's serverCount: one PUBSUB NUMSUB per process, not per room), when a health probe (Redis) failed since
// then, while suspects from the last pass await their second sighting, and in any case every `fullEvery` passes
// (the safety net for what these miss, e.g. a process replaced between two passes).

export interface PresenceSweep {
  /** One full pass now (tests); resolves when done. */
  run(): Promise<void>;
  /** One timed pass now (tests): sweeps only if needed; resolves with whether it swept. */
  tick(): Promise<boolean>;
  /** Timed passes so far, and those that swept the rooms (tests, metrics). */
  readonly passes: { timed: number; swept: number };
  stop(): void;
}

export interface PresenceSweepOptions {
  /** True while every backend answers (/healthz's probes); polled each second, no I/O. */
  healthy?: () => boolean | Promise<boolean>;
  /** A timed pass sweeps every room at least once every this many passes (default 20: 10 min at 30 s). */
  fullEvery?: number;
}

export function startPresenceSweep(
  io: IO,
  rooms: RoomService,
  everyMs: number,
  logger: Logger,
  opts: PresenceSweepOptions = {},
): PresenceSweep {
  let suspects = new Set<string>();
  let running: Promise<void> | null = null;
  const passes = { timed: 0, swept: 0 };
  const fullEvery = opts.fullEvery ?? 20;
  let servers = -1;
  let dirty = true; // the first pass after a start sweeps: this process may replace one that died
  let sinceFull = 0;

  const needed = async (): Promise<boolean> => {
    try {
      const n = await io.of('/').adapter.serverCount();
      if (n !== servers) dirty = true;
      servers = n;
    } catch {
      dirty = true; // the adapter's Redis is away: disconnects meanwhile may not have been stored
    }
    return dirty || suspects.size > 0 || ++sinceFull >= fullEvery;
  };

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
  const timed = async (): Promise<boolean> => {
    if (running) return false;
    passes.timed++;
    if (!(await needed())) return false;
    dirty = false;
    sinceFull = 0;
    passes.swept++;
    await run();
    return true;
  };
  const timer = setInterval(() => void timed().catch((err: unknown) => logger.warn({ err }, 'presence sweep failed')), everyMs);
  timer.unref();
  // A backend that was away (even between two passes) may have lost disconnects: the next pass sweeps.
  const healthy = opts.healthy;
  const watch = healthy
    ? setInterval(() => {
        void Promise.resolve(healthy()).then(
          (ok) => {
            if (!ok) dirty = true;
          },
          () => {
            dirty = true;
          },
        );
      }, 1000)
    : null;
  watch?.unref();
  return {
    run,
    tick: timed,
    passes,
    stop: () => {
      clearInterval(timer);
      if (watch) clearInterval(watch);
    },
  };
}
