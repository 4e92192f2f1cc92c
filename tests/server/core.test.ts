import { describe, expect, it } from 'vitest';
import { initialClock, play, seek } from '../../shared/clock/playback.js';
import type { Annotation, Member } from '../../shared/protocol/events.js';
import { canAnnotate, canChangeAnnotation, canControl, resolveRole } from '../../server/rooms/access.js';
import { divergenceMs } from '../../server/rooms/branching.js';
import { applyCommand, nextStop, phaseIndexAt, phaseTarget, stopPoints } from '../../server/rooms/playback.js';
import { AppError } from '../../server/errors.js';
import { buildFixtureTimeline } from './fixtures/timeline.js';

// The pure room rules, without sockets.

const tl = buildFixtureTimeline();
const off = { openControl: false, playersAnnotate: false, stepMode: false };

describe('phase navigation', () => {
  it('finds phases and targets', () => {
    expect(phaseIndexAt(tl.phases, 0)).toBe(0);
    expect(phaseIndexAt(tl.phases, 20_000)).toBe(1);
    expect(phaseTarget(tl.phases, 5_000, { phaseId: 'withdrawal' })).toBe(40_000);
    expect(phaseTarget(tl.phases, 5_000, { step: 1 })).toBe(20_000);
    expect(phaseTarget(tl.phases, 20_000, { step: 1 })).toBe(40_000);
    expect(phaseTarget(tl.phases, 25_000, { step: -1 })).toBe(20_000); // mid-phase: its own start
    expect(phaseTarget(tl.phases, 20_000, { step: -1 })).toBe(0); // at a start: the previous phase
    expect(phaseTarget(tl.phases, 0, { step: -1 })).toBe(0);
    expect(() => phaseTarget(tl.phases, 45_000, { step: 1 })).toThrow(AppError);
    expect(() => phaseTarget(tl.phases, 0, { phaseId: 'nope' })).toThrow(/no phase/);
  });

  it('a phase jump keeps play state and says why', () => {
    const c = play(initialClock(tl.durationMs, 0), 0);
    const j = applyCommand(c, tl, 1000, { kind: 'phase', payload: { phaseId: 'melee' } });
    expect(j).toMatchObject({ state: 'playing', positionMs: 20_000, reason: 'phase', version: c.version + 1 });
  });
});

describe('stop points', () => {
  const ann = (positionMs: number, stop: boolean, branchId = tl.branchId) =>
    ({
      id: `a${positionMs}`,
      roomId: 'r',
      branchId,
      positionMs,
      text: 't',
      stop,
      author: 'x',
      authorRole: 'instructor',
      createdAt: 0,
      updatedAt: 0,
    }) as Annotation;

  it('collects stop annotations of the branch, phase ends in step mode, and the end', () => {
    const stops = stopPoints(tl, { ...off, stepMode: true }, [
      ann(30_000, true),
      ann(10_000, false),
      ann(5_000, true, 'other-branch'),
      ann(40_000, true),
    ]);
    expect(stops).toEqual([
      { positionMs: 20_000, reason: 'phase-end' },
      { positionMs: 30_000, reason: 'autopause' },
      { positionMs: 40_000, reason: 'autopause' }, // an annotation stop wins a tie with a phase end
      { positionMs: 40_000, reason: 'phase-end' },
      { positionMs: 60_000, reason: 'end' },
    ]);
    expect(stopPoints(tl, off, [])).toEqual([{ positionMs: 60_000, reason: 'end' }]);
  });

  it('the next stop is strictly after the anchor, so play on a stop moves on', () => {
    const stops = stopPoints(tl, off, [ann(30_000, true)]);
    const atStop = play(seek(initialClock(tl.durationMs, 0), 0, 30_000), 0);
    expect(nextStop(atStop, stops)).toEqual({ positionMs: 60_000, reason: 'end' });
    const before = play(seek(initialClock(tl.durationMs, 0), 0, 29_000), 0);
    expect(nextStop(before, stops)?.positionMs).toBe(30_000);
    expect(nextStop(initialClock(tl.durationMs, 0), stops)).toBeNull(); // paused
  });
});

describe('roles', () => {
  const member = (role: Member['role']): Member => ({ memberId: 'm', name: 'n', role, connected: true });
  it('resolves join roles', () => {
    expect(resolveRole(undefined, true, null)).toBe('instructor');
    expect(resolveRole(undefined, false, null)).toBe('viewer');
    expect(resolveRole('player', true, null)).toBe('player');
    expect(resolveRole(undefined, false, member('player'))).toBe('player');
    expect(resolveRole('instructor', false, member('instructor'))).toBe('instructor');
    expect(() => resolveRole('instructor', false, member('player'))).toThrow(/instructorKey/);
  });
  it('checks permissions', () => {
    expect(canControl('viewer', off)).toBe(false);
    expect(canControl('viewer', { ...off, openControl: true })).toBe(true);
    expect(canAnnotate('player', off)).toBe(false);
    expect(canAnnotate('player', { ...off, playersAnnotate: true })).toBe(true);
    expect(canAnnotate('viewer', { ...off, playersAnnotate: true })).toBe(false);
    const a = { authorId: 'm1' } as Annotation;
    expect(canChangeAnnotation('player', 'm1', a)).toBe(true);
    expect(canChangeAnnotation('player', 'm2', a)).toBe(false);
    expect(canChangeAnnotation('instructor', 'm2', a)).toBe(true);
    expect(canChangeAnnotation('player', 'm1', { ...a, authorId: undefined })).toBe(false);
  });
});

describe('branch divergence', () => {
  it('is the earliest decision point whose choice differs', () => {
    const a = { ...tl, decisions: [] };
    const b = { ...tl, decisions: [{ decisionId: 'hold', optionId: 'retreat' }] };
    expect(divergenceMs(a, b)).toBe(30_000);
    expect(divergenceMs(b, b)).toBe(Infinity);
  });
});
