import { describe, expect, it, vi } from 'vitest';
import { initialClock, pause, play, seek, setRate, withDuration, type PlaybackClock } from '../../shared/clock/playback.js';
import { CLOCK_REASON_KIND, CLOCK_REASONS, clockReasonKind, type ClockReason } from '../../shared/clock/reason.js';
import { needsKeyframe } from '../../server/streaming/needsKeyframe.js';
import { RoomStream } from '../../server/streaming/RoomStream.js';

const T0 = 1_000_000;
const at = (clock: PlaybackClock, branchId = 'h') => ({ branchId, clock });
const playing = play(seek(initialClock(60_000, T0), T0, 10_000), T0); // v3, playing from 10 s at T0

describe('needsKeyframe', () => {
  it('keyframes discontinuous changes: seek, rate, phase, branch, init', () => {
    expect(needsKeyframe(at(playing), at(seek(playing, T0 + 1000, 30_000)))).toBe(true);
    expect(needsKeyframe(at(playing), at(setRate(playing, T0 + 1000, 2)))).toBe(true);
    expect(needsKeyframe(at(playing), at({ ...seek(playing, T0 + 1000, 11_000), reason: 'phase' }))).toBe(true);
    expect(needsKeyframe(at(playing), at(withDuration(playing, T0 + 1000, 50_000, 11_000), 'fork'))).toBe(true);
    // A branch change always does, whatever the reason says.
    expect(needsKeyframe(at(playing), at(pause(playing, T0 + 1000), 'fork'))).toBe(true);
  });

  it('does not keyframe continuous changes that keep the position, nor the loop’s own stops', () => {
    expect(needsKeyframe(at(playing), at(pause(playing, T0 + 1000)))).toBe(false);
    const paused = pause(playing, T0 + 1000);
    expect(needsKeyframe(at(paused), at(play(paused, T0 + 5000)))).toBe(false);
    expect(needsKeyframe(at(paused), at(play(paused, T0 + 5000, 'resume')))).toBe(false);
    // An auto-pause lands a few ms behind the play head: clients refold, no keyframe.
    for (const reason of ['autopause', 'phase-end', 'end', 'hold'] as const) {
      expect(needsKeyframe(at(playing), at(pause(playing, T0 + 1000, reason, 10_990)))).toBe(false);
    }
  });

  it('keyframes a continuous change whose position jumped', () => {
    const jumped = { ...pause(playing, T0 + 1000), positionMs: 25_000 };
    expect(needsKeyframe(at(playing), at(jumped))).toBe(true);
  });

  it('with skipped versions only a soft stop where the old clock would be is safe', () => {
    const skipped = (c: PlaybackClock) => ({ ...c, version: c.version + 3 });
    expect(needsKeyframe(at(playing), at(skipped(pause(playing, T0 + 1000, 'autopause', 11_000))))).toBe(false);
    expect(needsKeyframe(at(playing), at(skipped(pause(playing, T0 + 1000, 'autopause', 14_000))))).toBe(true);
    expect(needsKeyframe(at(playing), at(skipped(pause(playing, T0 + 1000))))).toBe(true);
  });

  it('judges a clock without a reason by its position alone', () => {
    const { reason: _r, ...bare } = pause(playing, T0 + 1000);
    expect(needsKeyframe(at(playing), at(bare))).toBe(false);
    expect(needsKeyframe(at(playing), at({ ...bare, positionMs: 40_000 }))).toBe(true);
  });
});

describe('ClockReason', () => {
  it('classifies every reason, and the clock functions produce only known reasons', () => {
    expect(CLOCK_REASONS).toHaveLength(12);
    for (const r of CLOCK_REASONS) expect(['keyframe', 'soft', 'continuous']).toContain(CLOCK_REASON_KIND[r]);
    const made: (ClockReason | undefined)[] = [
      initialClock(1000, T0).reason,
      play(playing, T0).reason,
      pause(playing, T0).reason,
      seek(playing, T0, 5).reason,
      setRate(playing, T0, 2).reason,
      withDuration(playing, T0, 500, 5).reason,
    ];
    for (const r of made) expect(CLOCK_REASONS).toContain(r);
    expect(clockReasonKind(undefined)).toBe('continuous');
    expect(clockReasonKind('hold')).toBe('soft');
  });
});

describe('RoomStream', () => {
  it('dispose() clears its timers, so a forgotten room never fires', () => {
    vi.useFakeTimers();
    const rs = new RoomStream('r1');
    let fired = 0;
    rs.setStopTimer(3, 1000, 20, () => fired++);
    rs.setKeyframeTimer(20, () => fired++);
    expect(rs.stopTimerFor(3, 1000)).toBe(true);
    expect(rs.stopTimerFor(3, 2000)).toBe(false);
    expect(rs.keyframeDue).toBe(true);
    rs.dispose();
    vi.advanceTimersByTime(10_000); // past both timers' due times
    vi.useRealTimers();
    expect(fired).toBe(0);
    expect(rs.isDisposed).toBe(true);
    expect(rs.keyframeDue).toBe(false);
    expect(rs.streamRoom).toBe('stream:r1');
  });
});
