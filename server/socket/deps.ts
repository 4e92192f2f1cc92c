import type { PlaybackLoop } from '../streaming/PlaybackLoop.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { IO } from '../types.js';
import type { BindDeps } from './bind.js';

export interface HandlerDeps extends BindDeps {
  io: IO;
  rooms: RoomService;
  loop: PlaybackLoop;
  now: () => number;
}
