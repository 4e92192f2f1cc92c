import type { Timeline } from '../../shared/battle/timeline.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { StopPoint } from '../rooms/playback.js';
import type { TimelineMeta } from '../timelines/TimelineService.js';

/** Where a room's socket-delivery stream stands on this process. */
export interface Cursor {
  branchId: string;
  clock: PlaybackClock;
  /** The branch's metadata (duration, phases): all the clock and stop points need. */
  timeline: TimelineMeta;
  /**
   * The branch's whole timeline, only while this process has socket-delivery sockets in the room (keyframes and
   * event batches are cut from it); fetched when first needed, dropped when the last such socket leaves.
   */
  events: Timeline | null;
  /** seq of the next event to stream; null while nothing streams (a coalesced keyframe is due, or no socket-delivery sockets). */
  nextSeq: number | null;
}

/** The sub-room of a room's socket-delivery sockets: timeline data (keyframes, events) goes only there. */
export const streamRoomOf = (roomId: string): string => `stream:${roomId}`;

/** Is this socket.io room a stream sub-room (not a Wardroom room of its own)? */
export const isStreamRoom = (room: string): boolean => room.startsWith('stream:');

/**
 * Everything the playback loop keeps for one room on this process. One object per room, so forgetting a room
 * is one `dispose()` (no parallel maps to keep in step).
 */
export class RoomStream {
  readonly streamRoom: string;
  /** A room's battle never changes: read once. */
  battleId: string | null = null;
  /** The playhead this process holds (the clock is a value: no store read needed between changes). */
  cursor: Cursor | null = null;
  /** Stop points of one branch (the cursor's, unless it just moved: then they are reloaded). */
  stops: { branchId: string; list: StopPoint[]; loadedAt: number } | null = null;
  /** Branch whose whole timeline is being fetched for socket delivery (one fetch at a time). */
  eventsLoading: string | null = null;
  /** When the playhead was last checked against the store (the safety net for a lost change message). */
  reconciledAt = 0;
  /** A store read or compile is under way: the tick skips the room rather than stacking reads. */
  inFlight = false;
  lastKeyframeAt = -Infinity;
  /** Highest clock version this process has sent its sockets in the room (a change learnt by any path is sent once). */
  clockSent = -1;
  private stopTimer: { version: number; positionMs: number; timer: NodeJS.Timeout } | null = null;
  private keyframeTimer: NodeJS.Timeout | null = null;
  private frontierWatch: { branchId: string; off: () => void } | null = null;
  private disposed = false;

  constructor(readonly roomId: string) {
    this.streamRoom = streamRoomOf(roomId);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get keyframeDue(): boolean {
    return this.keyframeTimer !== null;
  }

  /** Is a timer already planned for this stop against this clock version? */
  stopTimerFor(version: number, positionMs: number): boolean {
    return this.stopTimer?.version === version && this.stopTimer.positionMs === positionMs;
  }

  setStopTimer(version: number, positionMs: number, wait: number, fire: () => void): void {
    this.clearStopTimer();
    const timer = setTimeout(() => {
      this.stopTimer = null;
      fire();
    }, wait);
    this.stopTimer = { version, positionMs, timer };
  }

  clearStopTimer(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer.timer);
    this.stopTimer = null;
  }

  setKeyframeTimer(wait: number, fire: () => void): void {
    if (this.keyframeTimer) return;
    this.keyframeTimer = setTimeout(() => {
      this.keyframeTimer = null;
      fire();
    }, wait);
  }

  /** Subscribe (once per branch) to the frontier of the branch the room is on, dropping the previous branch's. */
  watchFrontier(branchId: string, subscribe: () => () => void): void {
    if (this.disposed || this.frontierWatch?.branchId === branchId) return;
    this.frontierWatch?.off();
    this.frontierWatch = { branchId, off: subscribe() };
  }

  dispose(): void {
    this.disposed = true;
    this.frontierWatch?.off();
    this.frontierWatch = null;
    this.clearStopTimer();
    if (this.keyframeTimer) clearTimeout(this.keyframeTimer);
    this.keyframeTimer = null;
    this.cursor = null;
    this.stops = null;
  }
}
