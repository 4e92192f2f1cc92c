import { CameraPresentSchema, CameraUpdateSchema } from '../../shared/protocol/schemas.js';
import type { IO } from '../types.js';
import { bind, type HandlerTable } from './bind.js';
import type { HandlerDeps } from './deps.js';

export function registerCameraHandlers(table: HandlerTable, d: HandlerDeps): void {
  // Present on/off goes out at once; it is rare and every follower must switch mode.
  bind(table, d, 'camera:present', CameraPresentSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    const camera = await d.camera.present(roomId, member, p.on);
    d.cameraCast.immediate(roomId, camera);
    return { camera };
  });

  // The presenter's view: stored (versioned), broadcast coalesced to <= 10 per second per room.
  bind(table, d, 'camera:update', CameraUpdateSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    const camera = await d.camera.update(roomId, member, p);
    d.cameraCast.push(roomId, camera);
    return { version: camera.version };
  });
}

/**
 * Late joiners start in the presented view: whenever a socket of this process joins a room, it gets the
 * room's camera (the adapter's join-room event fires inside room:join, so this needs no change to it).
 */
export function sendCameraOnJoin(io: IO, d: HandlerDeps): void {
  io.of('/').adapter.on('join-room', (roomId: string, socketId: string) => {
    if (roomId === socketId) return; // every socket's own room
    d.camera
      .get(roomId)
      .then((camera) => {
        if (camera.version > 0) io.to(socketId).emit('camera:state', camera);
      })
      .catch((err: unknown) => d.logger.warn({ err, roomId }, 'camera on join failed'));
  });
}
