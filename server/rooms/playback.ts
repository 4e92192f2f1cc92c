import type { PhaseSpan, Timeline } from '../../shared/battle/timeline.js';
import { pause, play, positionAt, seek, setRate, type PlaybackClock } from '../../shared/clock/playback.js';
import type { Annotation } from '../../shared/protocol/events.js';
import type { PhasePayload, RoomSettings } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';

// Pure playback commands: (clock, timeline, now) -> new clock. No I/O, so they are trivially testable
// and the same on every server process.

export type PlaybackCommand =
  | { kind: 'play' }
  | { kind: 'pause' }
  | { kind: 'seek'; positionMs: number }
  | { kind: 'rate'; rate: number }
  | { kind: 'phase'; payload: PhasePayload };

/** Index of the phase containing ms (the last one starting at or before it), -1 before the first. */
export function phaseIndexAt(phases: readonly PhaseSpan[], ms: number): number {
  let idx = -1;
  for (let i = 0; i < phases.length; i++) if (phases[i].startMs <= ms) idx = i;
  return idx;
}

/**
 * Target of a phase jump. {phaseId}: that phase's start. {step:1}: the first phase starting after the
 * play head. {step:-1}: the last phase starting before it (so from mid-phase it rewinds to the phase's
 * own start, like "previous track").
 */
export function phaseTarget(phases: readonly PhaseSpan[], pos: number, p: PhasePayload): number {
  if ('phaseId' in p) {
    const ph = phases.find((x) => x.id === p.phaseId);
    if (!ph) throw new AppError('NOT_FOUND', `no phase ${p.phaseId}`);
    return ph.startMs;
  }
  if (phases.length === 0) throw new AppError('NOT_FOUND', 'timeline has no phases');
  if (p.step === 1) {
    const next = phases.find((x) => x.startMs > pos + 0.5);
    if (!next) throw new AppError('NOT_FOUND', 'already in the last phase');
    return next.startMs;
  }
  const prev = [...phases].reverse().find((x) => x.startMs < pos - 0.5);
  return prev ? prev.startMs : phases[0].startMs;
}

export function applyCommand(clock: PlaybackClock, tl: Pick<Timeline, 'phases'>, now: number, cmd: PlaybackCommand): PlaybackClock {
  switch (cmd.kind) {
    case 'play':
      return play(clock, now);
    case 'pause':
      return pause(clock, now);
    case 'seek':
      return seek(clock, now, cmd.positionMs);
    case 'rate':
      return setRate(clock, now, cmd.rate);
    case 'phase': {
      const target = phaseTarget(tl.phases, positionAt(clock, now), cmd.payload);
      return { ...seek(clock, now, target), reason: 'phase' };
    }
  }
}

export interface StopPoint {
  positionMs: number;
  reason: 'autopause' | 'phase-end' | 'end';
}

/**
 * Where a playing room must pause: annotations with stop:true on the current branch, phase ends in
 * step mode, and the end of the timeline. Sorted by position.
 */
export function stopPoints(
  tl: Pick<Timeline, 'branchId' | 'durationMs' | 'phases'>,
  settings: RoomSettings,
  annotations: readonly Annotation[],
): StopPoint[] {
  const out: StopPoint[] = [];
  for (const a of annotations)
    if (a.stop && a.branchId === tl.branchId) out.push({ positionMs: Math.min(a.positionMs, tl.durationMs), reason: 'autopause' });
  if (settings.stepMode) for (const p of tl.phases) if (p.endMs < tl.durationMs) out.push({ positionMs: p.endMs, reason: 'phase-end' });
  out.push({ positionMs: tl.durationMs, reason: 'end' });
  // At equal positions an annotation stop wins (its reason is the more specific one).
  const rank = { autopause: 0, 'phase-end': 1, end: 2 } as const;
  return out.sort((a, b) => a.positionMs - b.positionMs || rank[a.reason] - rank[b.reason]);
}

/**
 * The first stop a playing clock meets: strictly after the clock's anchor position (so pressing play on
 * a stop point moves on) and not beyond where the clock is at `now` (or any future point when now is omitted).
 */
export function nextStop(clock: PlaybackClock, stops: readonly StopPoint[]): StopPoint | null {
  if (clock.state !== 'playing') return null;
  return stops.find((s) => s.positionMs > clock.positionMs) ?? null;
}
