import type { BattleEvent } from '../../../shared/battle/events.js';
import type { WorldState } from '../../../shared/battle/state.js';
import type { PlaybackClock } from '../../../shared/clock/playback.js';
import type { Member, RoomState } from '../../../shared/protocol/events.js';

// What the room views need from a live room. The views depend on this interface only; an adapter
// (sessionAdapter.ts) maps the shared room client library (client/lib/roomClient.ts) onto it.

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'error';

export type SessionChange = 'room' | 'clock' | 'presence' | 'state' | 'connection' | 'branch' | 'annotations';

export interface RoomSession {
  readonly roomId: string;
  room(): RoomState | null;
  you(): Member | null;
  clock(): PlaybackClock | null;
  connection(): ConnectionStatus;
  lastError(): string | null;
  /** Shared playback position now (server clock estimate + playback clock). */
  positionNow(): number;
  /** The world folded up to positionNow() (null before the first keyframe). */
  stateNow(): WorldState | null;
  /** Subscribe to streamed batches of events (for short-lived visuals). */
  onEvents(fn: (events: readonly BattleEvent[], branchId: string) => void): () => void;
  subscribe(fn: (change: SessionChange) => void): () => void;

  play(): Promise<void>;
  pause(): Promise<void>;
  seek(positionMs: number): Promise<void>;
  setRate(rate: number): Promise<void>;
  stepPhase(step: 1 | -1): Promise<void>;
  close(): void;
}

/** Whether this member may drive playback. */
export function canControl(room: RoomState | null, you: Member | null): boolean {
  if (!room || !you) return false;
  return you.role === 'instructor' || room.settings.openControl === true;
}
