// Why a playback clock changed. The union is the wire contract (docs/protocol.md); the kind map says what
// a change means for a client holding a world state, and is exhaustive: a new reason does not compile
// until it is classified.

export type ClockReason =
  | 'init'
  | 'play'
  | 'pause'
  | 'seek'
  | 'rate'
  | 'phase'
  | 'branch'
  | 'autopause'
  | 'phase-end'
  | 'end'
  | 'hold'
  | 'resume';

/** The loop's own stops: where a playing clock pauses by itself. */
export type StopReason = Extract<ClockReason, 'autopause' | 'phase-end' | 'end' | 'hold'>;

/**
 * - `keyframe`: the play head moves discontinuously (or the branch changes): clients need a new world state.
 * - `soft`: the loop's own stops, landing at or just behind the play head: clients refold from what they hold.
 * - `continuous`: the position does not jump (play, pause, resume): nothing to resend unless it did jump.
 */
export type ClockReasonKind = 'keyframe' | 'soft' | 'continuous';

export const CLOCK_REASON_KIND: Readonly<Record<ClockReason, ClockReasonKind>> = {
  init: 'keyframe',
  seek: 'keyframe',
  rate: 'keyframe',
  phase: 'keyframe',
  branch: 'keyframe',
  play: 'continuous',
  pause: 'continuous',
  resume: 'continuous',
  autopause: 'soft',
  'phase-end': 'soft',
  end: 'soft',
  hold: 'soft',
};

export const CLOCK_REASONS = Object.keys(CLOCK_REASON_KIND) as ClockReason[];

/** A clock without a reason (older stored clocks) is judged by its position alone. */
export function clockReasonKind(reason: ClockReason | undefined): ClockReasonKind {
  return reason === undefined ? 'continuous' : CLOCK_REASON_KIND[reason];
}
