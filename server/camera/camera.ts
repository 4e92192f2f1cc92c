import type { CameraState, Member } from '../../shared/protocol/events.js';
import type { CameraView } from '../../shared/protocol/schemas.js';
import { require } from '../rooms/access.js';

// Follow-the-instructor camera rules. Pure: state in, state out (or FORBIDDEN).

export const NO_CAMERA: CameraState = { presenting: false, presenterId: null, presenterName: null, view: null, version: 0 };

/** An instructor starts presenting (taking over from another presenter) or stops. */
export function presentCamera(cur: CameraState, member: Member, on: boolean): CameraState {
  require(member.role === 'instructor', 'only the instructor presents');
  if (on) return { ...cur, presenting: true, presenterId: member.memberId, presenterName: member.name, version: cur.version + 1 };
  return { presenting: false, presenterId: null, presenterName: null, view: cur.view, version: cur.version + 1 };
}

/** Only the current presenter moves the room's view. */
export function updateCamera(cur: CameraState, member: Member, view: CameraView): CameraState {
  require(cur.presenting && cur.presenterId === member.memberId, 'only the presenter moves the room camera');
  return { ...cur, view, version: cur.version + 1 };
}
