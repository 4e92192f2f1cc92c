// Playback clock math. A clock is a small value any node can evaluate at any instant:
// position(now) = positionMs + (now - serverTime) * rate while playing, clamped to [0, durationMs].
import type { ClockReason } from './reason.js';

export type { ClockReason } from './reason.js';

export type PlaybackState = 'playing' | 'paused';

export interface PlaybackClock {
  state: PlaybackState;
  positionMs: number;
  rate: number;
  /** Server wall-clock time (ms since epoch) at which positionMs was true. */
  serverTime: number;
  /** Increments on every change; clients drop clocks older than the one they hold. */
  version: number;
  durationMs: number;
  /** Why the clock last changed (e.g. 'seek', 'autopause'); `clockReasonKind` in reason.ts classifies it. */
  reason?: ClockReason;
}

export const MIN_RATE = 0.25;
export const MAX_RATE = 16;

export function clampPosition(ms: number, durationMs: number): number {
  return Math.min(Math.max(ms, 0), durationMs);
}

export function positionAt(clock: PlaybackClock, serverNow: number): number {
  if (clock.state === 'paused') return clock.positionMs;
  return clampPosition(clock.positionMs + (serverNow - clock.serverTime) * clock.rate, clock.durationMs);
}

/** Server time at which a playing clock reaches positionMs (Infinity when paused or behind). */
export function serverTimeAtPosition(clock: PlaybackClock, positionMs: number): number {
  if (clock.state === 'paused' || clock.rate <= 0) return Infinity;
  if (positionMs < clock.positionMs) return Infinity;
  return clock.serverTime + (positionMs - clock.positionMs) / clock.rate;
}

export function initialClock(durationMs: number, now: number): PlaybackClock {
  return { state: 'paused', positionMs: 0, rate: 1, serverTime: now, version: 1, durationMs, reason: 'init' };
}

/** Re-anchor the clock at `now` (so rate/state changes keep the current position). */
function rebase(clock: PlaybackClock, now: number): PlaybackClock {
  return { ...clock, positionMs: positionAt(clock, now), serverTime: now, version: clock.version + 1 };
}

export function play(clock: PlaybackClock, now: number, reason: Extract<ClockReason, 'play' | 'resume'> = 'play'): PlaybackClock {
  const c = rebase(clock, now);
  // Playing from the very end restarts from the beginning, as every media player does.
  const positionMs = c.positionMs >= c.durationMs ? 0 : c.positionMs;
  return { ...c, positionMs, state: 'playing', reason };
}

export function pause(clock: PlaybackClock, now: number, reason: ClockReason = 'pause', atMs?: number): PlaybackClock {
  const c = rebase(clock, now);
  return { ...c, state: 'paused', positionMs: atMs === undefined ? c.positionMs : clampPosition(atMs, c.durationMs), reason };
}

export function seek(clock: PlaybackClock, now: number, positionMs: number): PlaybackClock {
  const c = rebase(clock, now);
  return { ...c, positionMs: clampPosition(positionMs, c.durationMs), reason: 'seek' };
}

export function setRate(clock: PlaybackClock, now: number, rate: number): PlaybackClock {
  const c = rebase(clock, now);
  return { ...c, rate: Math.min(Math.max(rate, MIN_RATE), MAX_RATE), reason: 'rate' };
}

/** Same position, new duration (branch switch): keeps a playing clock playing. */
export function withDuration(clock: PlaybackClock, now: number, durationMs: number, positionMs: number): PlaybackClock {
  const c = rebase(clock, now);
  return { ...c, durationMs, positionMs: clampPosition(positionMs, durationMs), reason: 'branch' };
}
