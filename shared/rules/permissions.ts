import type { Annotation, Member, RoomState } from '../protocol/events.js';
import type { Role, RoomSettings } from '../protocol/schemas.js';

// Who may do what in a room: the one set of rules. The server enforces them (server/rooms/access.ts
// and the socket handlers); the client only shapes its UI with them (buttons, hints), so both ends
// always agree. Pure functions of the role and the room's settings.

/** Drive playback (play, pause, seek, rate, phase): the instructor, or everyone in an open room. */
export function canControl(role: Role, settings: Pick<RoomSettings, 'openControl'>): boolean {
  return role === 'instructor' || settings.openControl;
}

/** Add annotations: the instructor, and players when the room lets them. */
export function canAnnotate(role: Role, settings: Pick<RoomSettings, 'playersAnnotate'>): boolean {
  return role === 'instructor' || (role === 'player' && settings.playersAnnotate);
}

/** Edit or delete an annotation: the instructor, or its author. */
export function canChangeAnnotation(role: Role, memberId: string, a: Pick<Annotation, 'authorId'>): boolean {
  return role === 'instructor' || (a.authorId !== undefined && a.authorId === memberId);
}

/** Import a lesson file of annotations. */
export function canImportAnnotations(role: Role): boolean {
  return role === 'instructor';
}

/** Fork a what-if branch: players and the instructor, never viewers. */
export function canFork(role: Role): boolean {
  return role === 'instructor' || role === 'player';
}

/** Move the whole room to another branch. */
export function canSwitchBranch(role: Role): boolean {
  return role === 'instructor';
}

/** Change the room's settings (open control, players annotate, step mode). */
export function canChangeSettings(role: Role): boolean {
  return role === 'instructor';
}

/** The rules above for one member of a room, as the client asks them (false until joined). */
export interface Permissions {
  control: boolean;
  annotate: boolean;
  importAnnotations: boolean;
  fork: boolean;
  switchBranch: boolean;
  changeSettings: boolean;
  changeAnnotation(a: Pick<Annotation, 'authorId'>): boolean;
}

export function permissionsOf(room: Pick<RoomState, 'settings'> | null, you: Pick<Member, 'role' | 'memberId'> | null): Permissions {
  if (!room || !you) {
    return {
      control: false,
      annotate: false,
      importAnnotations: false,
      fork: false,
      switchBranch: false,
      changeSettings: false,
      changeAnnotation: () => false,
    };
  }
  const { role, memberId } = you;
  return {
    control: canControl(role, room.settings),
    annotate: canAnnotate(role, room.settings),
    importAnnotations: canImportAnnotations(role),
    fork: canFork(role),
    switchBranch: canSwitchBranch(role),
    changeSettings: canChangeSettings(role),
    changeAnnotation: (a) => canChangeAnnotation(role, memberId, a),
  };
}
