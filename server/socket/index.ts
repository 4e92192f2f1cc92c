import type { Metrics } from '../metrics.js';
import type { IO } from '../types.js';
import { registerAnnotationHandlers } from './annotationHandlers.js';
import { registerBranchHandlers } from './branchHandlers.js';
import { registerCameraHandlers, sendCameraOnJoin } from './cameraHandlers.js';
import { registerChatHandlers } from './chatHandlers.js';
import type { HandlerDeps } from './deps.js';
import { registerPlaybackHandlers } from './playbackHandlers.js';
import { registerRoomHandlers } from './roomHandlers.js';
import { registerStudyHandlers } from './studyHandlers.js';
import { registerVoteHandlers } from './voteHandlers.js';

export function registerSocketHandlers(io: IO, d: HandlerDeps, metrics: Metrics): void {
  sendCameraOnJoin(io, d);
  io.on('connection', (socket) => {
    metrics.sockets.inc();
    socket.on('disconnect', () => metrics.sockets.dec());
    registerRoomHandlers(socket, d);
    registerPlaybackHandlers(socket, d);
    registerAnnotationHandlers(socket, d);
    registerBranchHandlers(socket, d);
    registerCameraHandlers(socket, d);
    registerChatHandlers(socket, d);
    registerVoteHandlers(socket, d);
    registerStudyHandlers(socket, d);
  });
}
