import { timingSafeEqual, createHash } from 'node:crypto';
import type { Annotation, Member } from '../../shared/protocol/events.js';
import type { Role, RoomSettings } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';

// Who may do what. Pure functions: the socket handlers call them after parsing and before the store.

export function keyMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Role of a joining member. Instructor needs the room's key (or reclaims an instructor slot by clientId);
 * player and viewer are self-chosen; no role asked = instructor with a valid key, else the reclaimed role, else viewer.
 */
export function resolveRole(requested: Role | undefined, keyOk: boolean, existing: Member | null): Role {
  if (requested === 'instructor') {
    if (keyOk || existing?.role === 'instructor') return 'instructor';
    throw new AppError('FORBIDDEN', 'instructor role needs the room instructorKey');
  }
  if (requested) return requested;
  if (keyOk) return 'instructor';
  return existing?.role ?? 'viewer';
}

export function canControl(role: Role, settings: RoomSettings): boolean {
  return role === 'instructor' || settings.openControl;
}

export function canAnnotate(role: Role, settings: RoomSettings): boolean {
  return role === 'instructor' || (role === 'player' && settings.playersAnnotate);
}

export function canChangeAnnotation(role: Role, memberId: string, a: Annotation): boolean {
  return role === 'instructor' || (a.authorId !== undefined && a.authorId === memberId);
}

export function canFork(role: Role): boolean {
  return role === 'instructor' || role === 'player';
}

export function require(ok: boolean, message: string): void {
  if (!ok) throw new AppError('FORBIDDEN', message);
}
