import type { PlaybackLoop } from '../streaming/PlaybackLoop.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { IO } from '../types.js';
import type { BindDeps } from './bind.js';
import type { CameraBroadcaster } from '../camera/CameraBroadcaster.js';
import type { CameraService } from '../camera/CameraService.js';
import type { ChatService } from '../chat/ChatService.js';

export interface HandlerDeps extends BindDeps, VoteStudyDeps {
  io: IO;
  rooms: RoomService;
  loop: PlaybackLoop;
  now: () => number;
  /** Follow-the-instructor camera (issue #11 item 1). */
  camera: CameraService;
  cameraCast: CameraBroadcaster;
  /** Room chat and timed reactions (issue #11 item 2). */
  chat: ChatService;
  /** Disconnect bookkeeping still writing (members turned disconnected): close() waits for it before the store goes. */
  leaving: Set<Promise<void>>;
}

/** Group votes and what-if statistics (issue #11 items 3-4). */
export interface VoteStudyDeps {
  votes: import('../votes/VoteService.js').VoteService;
  tallies: import('../votes/TallyBroadcaster.js').TallyBroadcaster;
  studies: import('../study/StudyService.js').StudyService;
}
