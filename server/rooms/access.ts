import { timingSafeEqual, createHash } from 'node:crypto';
import type { Member } from '../../shared/protocol/events.js';
import type { Role } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';

// Who may do what. Pure functions: the socket handlers call them after parsing and before the store.
// The rules themselves live in shared/rules/permissions.ts (the client shapes its UI with the same ones).

export {
  canAnnotate,
  canChangeAnnotation,
  canChangeSettings,
  canControl,
  canFork,
  canImportAnnotations,
  canSwitchBranch,
} from '../../shared/rules/permissions.js';

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

export function require(ok: boolean, message: string): void {
  if (!ok) throw new AppError('FORBIDDEN', message);
}
