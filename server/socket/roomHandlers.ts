import { JoinSchema, PingSchema, RoomSettingsSchema } from '../../shared/protocol/schemas.js';
import { canChangeSettings, require } from '../rooms/access.js';
import type { AppSocket } from '../types.js';
import { streamRoomOf } from '../streaming/RoomStream.js';
import { bind, type HandlerTable } from './bind.js';
import { broadcast } from './broadcast.js';
import type { HandlerDeps } from './deps.js';

// Presence carries the whole member list, so a broadcast per join would cost O(members^2) when a class
// joins at once. Coalesce: at most one presence broadcast per room per PRESENCE_MS (trailing edge).
const PRESENCE_MS = 150;
const pendingPresence = new WeakMap<HandlerDeps, Set<string>>();

export async function broadcastPresence(d: HandlerDeps, roomId: string): Promise<void> {
  let pending = pendingPresence.get(d);
  if (!pending) pendingPresence.set(d, (pending = new Set()));
  if (pending.has(roomId)) return;
  pending.add(roomId);
  setTimeout(() => {
    pending.delete(roomId);
    d.rooms
      .members(roomId)
      .then((members) => broadcast(d, { roomId, kind: 'presence' }, 'presence', { members }))
      .catch((err: unknown) => d.logger.warn({ err, roomId }, 'presence failed'));
  }, PRESENCE_MS).unref();
}

/** Is another socket (on any process) still holding this member? Then it stays connected. */
async function memberStillConnected(d: HandlerDeps, roomId: string, memberId: string, except: string): Promise<boolean> {
  const sockets = await d.io.in(roomId).fetchSockets();
  return sockets.some((s) => s.id !== except && s.data.memberId === memberId);
}

async function leaveCurrent(d: HandlerDeps, socket: AppSocket): Promise<void> {
  const { roomId, memberId } = socket.data;
  if (!roomId || !memberId) return;
  await socket.leave(roomId);
  await socket.leave(streamRoomOf(roomId));
  socket.data = {};
  if (!(await memberStillConnected(d, roomId, memberId, socket.id))) await d.rooms.setConnected(roomId, memberId, false);
  await broadcastPresence(d, roomId);
}

export function registerRoomHandlers(table: HandlerTable, d: HandlerDeps): void {
  // Join (or re-join after a reconnect: the same clientId reclaims the member). The joiner gets the
  // room state in the ack, then the clock and (socket delivery) a keyframe at the play head and the events already streamed.
  bind(table, d, 'room:join', JoinSchema, async (p, { socket }) => {
    // Join first: a refused join (unknown room, wrong key, full room) leaves the socket where it was.
    const { member } = await d.rooms.join(p);
    if (socket.data.roomId && socket.data.roomId !== p.roomId) await leaveCurrent(d, socket);
    const previous = socket.data.memberId;
    if (previous && previous !== member.memberId && !(await memberStillConnected(d, p.roomId, previous, socket.id))) {
      // Re-joined under another identity: the old member is gone, not a ghost "connected" forever.
      await d.rooms.setConnected(p.roomId, previous, false);
    }
    const delivery = p.delivery ?? 'socket';
    socket.data = { roomId: p.roomId, memberId: member.memberId, role: member.role, name: member.name, delivery };
    await socket.join(p.roomId);
    // Timeline data goes to the stream sub-room only: segments sockets never get keyframes or event batches.
    if (delivery === 'socket') await socket.join(streamRoomOf(p.roomId));
    else await socket.leave(streamRoomOf(p.roomId));
    const room = await d.rooms.state(p.roomId);
    const tl = await d.rooms.metaOf(p.roomId, room.battleId, room.branchId);
    // Socket delivery needs the branch's events for the joiner's keyframe (the loop keeps them while such sockets
    // are in the room); a segments socket needs only the metadata.
    const events = delivery === 'socket' ? await d.rooms.timelineOf(p.roomId, room.battleId, room.branchId) : undefined;
    // setImmediate: after the ack has been written (same socket, so the client sees the ack first).
    setImmediate(() => {
      if (socket.connected && socket.data.roomId === p.roomId)
        d.loop.joined(socket, p.roomId, { branchId: room.branchId, clock: room.clock }, tl, delivery, events);
      void broadcastPresence(d, p.roomId).catch((err: unknown) => d.logger.warn({ err }, 'presence failed'));
    });
    return { room, you: member };
  });

  bind(table, d, 'room:settings', RoomSettingsSchema, async (patch, ctx) => {
    const { roomId, member } = ctx.member();
    require(canChangeSettings(member.role), 'only the instructor changes room settings');
    const settings = await d.rooms.updateSettings(roomId, patch);
    broadcast(d, { roomId, kind: 'state', stops: true }, 'room:state', await d.rooms.state(roomId));
    return { settings };
  });

  bind(table, d, 'clock:ping', PingSchema, async (p) => ({ clientTime: p.clientTime, serverTime: d.now() }));
}

/**
 * The disconnect listener of every socket: its member is marked disconnected (unless another socket holds it).
 * One function for all sockets (EventEmitter calls it with the socket as `this`): no closure per connection.
 */
export function roomSocketGone(d: HandlerDeps): (this: AppSocket) => void {
  return function (this: AppSocket): void {
    const { roomId, memberId } = this.data;
    if (!roomId || !memberId) return;
    const done: Promise<void> = (async () => {
      if (!(await memberStillConnected(d, roomId, memberId, this.id))) await d.rooms.setConnected(roomId, memberId, false);
      await broadcastPresence(d, roomId);
    })()
      .catch((err: unknown) => d.logger.warn({ err, roomId }, 'disconnect bookkeeping failed'))
      .finally(() => d.leaving.delete(done));
    d.leaving.add(done);
  };
}
