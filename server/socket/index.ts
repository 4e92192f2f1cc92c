import type { Metrics } from '../metrics.js';
import type { IO } from '../types.js';
import { registerAnnotationHandlers } from './annotationHandlers.js';
import { HandlerTable } from './bind.js';
import { registerBranchHandlers } from './branchHandlers.js';
import { registerCameraHandlers, sendCameraOnJoin } from './cameraHandlers.js';
import { registerChatHandlers } from './chatHandlers.js';
import type { HandlerDeps } from './deps.js';
import { registerPlaybackHandlers } from './playbackHandlers.js';
import { registerRoomHandlers, roomSocketGone } from './roomHandlers.js';
import { registerStudyHandlers } from './studyHandlers.js';
import { registerVoteHandlers } from './voteHandlers.js';

export function registerSocketHandlers(io: IO, d: HandlerDeps, metrics: Metrics): void {
  sendCameraOnJoin(io, d);
  // Handlers are registered once; each socket only gets the table's one dispatcher (bind.ts, HandlerTable).
  const table = new HandlerTable();
  registerRoomHandlers(table, d);
  registerPlaybackHandlers(table, d);
  registerAnnotationHandlers(table, d);
  registerBranchHandlers(table, d);
  registerCameraHandlers(table, d);
  registerChatHandlers(table, d);
  registerVoteHandlers(table, d);
  registerStudyHandlers(table, d);
  // Shared listeners (called with the socket as `this`): a connection costs no closures of its own.
  const gone = (): void => {
    metrics.sockets.dec();
  };
  const roomGone = roomSocketGone(d);
  io.on('connection', (socket) => {
    metrics.sockets.inc();
    socket.on('disconnect', gone);
    socket.on('disconnect', roomGone);
    table.attach(socket);
  });
}
