import type { PlaybackLoop } from '../streaming/PlaybackLoop.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { IO } from '../types.js';
import type { BindDeps } from './bind.js';

export interface HandlerDeps extends BindDeps, VoteStudyDeps {
  io: IO;
  rooms: RoomService;
  loop: PlaybackLoop;
  now: () => number;
}

/** Group votes and what-if statistics (issue #11 items 3-4). */
export interface VoteStudyDeps {
  votes: import('../votes/VoteService.js').VoteService;
  tallies: import('../votes/TallyBroadcaster.js').TallyBroadcaster;
  studies: import('../study/StudyService.js').StudyService;
}
