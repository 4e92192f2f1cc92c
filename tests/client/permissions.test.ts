import { describe, expect, it } from 'vitest';
import type { Annotation, Member, RoomState } from '../../shared/protocol/events.js';
import type { Role, RoomSettings } from '../../shared/protocol/schemas.js';
import * as rules from '../../shared/rules/permissions.js';
import * as access from '../../server/rooms/access.js';
import { mayAnnotate, mayChange } from '../../client/src/room/annotations/model.js';

// One set of permission rules (shared/rules/permissions.ts): the server enforces them, the client's
// annotation and branch UI asks the same functions.

const ROLES: Role[] = ['instructor', 'player', 'viewer'];
const settings = (s: Partial<RoomSettings> = {}): RoomSettings => ({ openControl: false, playersAnnotate: false, stepMode: false, ...s });
const member = (role: Role, memberId = 'm1'): Member => ({ memberId, name: 'x', role, connected: true });
const room = (s: Partial<RoomSettings> = {}): RoomState => ({ settings: settings(s) }) as RoomState;
const note = (authorId?: string): Annotation => ({ authorId }) as Annotation;

describe('permission rules (shared)', () => {
  it('playback: the instructor always, everyone in an open room', () => {
    expect(ROLES.map((r) => rules.canControl(r, settings()))).toEqual([true, false, false]);
    expect(ROLES.map((r) => rules.canControl(r, settings({ openControl: true })))).toEqual([true, true, true]);
  });

  it('annotations: the instructor, players when allowed; changes by the instructor or the author', () => {
    expect(ROLES.map((r) => rules.canAnnotate(r, settings()))).toEqual([true, false, false]);
    expect(ROLES.map((r) => rules.canAnnotate(r, settings({ playersAnnotate: true })))).toEqual([true, true, false]);
    expect(rules.canChangeAnnotation('player', 'm1', note('m1'))).toBe(true);
    expect(rules.canChangeAnnotation('player', 'm1', note('m2'))).toBe(false);
    expect(rules.canChangeAnnotation('player', 'm1', note(undefined))).toBe(false); // imported: no author
    expect(rules.canChangeAnnotation('instructor', 'm1', note(undefined))).toBe(true);
    expect(ROLES.map(rules.canImportAnnotations)).toEqual([true, false, false]);
  });

  it('branches and settings: players fork, only the instructor switches and changes settings', () => {
    expect(ROLES.map(rules.canFork)).toEqual([true, true, false]);
    expect(ROLES.map(rules.canSwitchBranch)).toEqual([true, false, false]);
    expect(ROLES.map(rules.canChangeSettings)).toEqual([true, false, false]);
  });

  it('permissionsOf answers for a member of a room, and nothing before joining', () => {
    const p = rules.permissionsOf(room({ playersAnnotate: true }), member('player'));
    expect(p).toMatchObject({
      control: false,
      annotate: true,
      importAnnotations: false,
      fork: true,
      switchBranch: false,
      changeSettings: false,
    });
    expect(p.changeAnnotation(note('m1'))).toBe(true);
    const none = rules.permissionsOf(null, null);
    expect(Object.values(none).filter((v) => v === true)).toEqual([]);
    expect(none.changeAnnotation(note('m1'))).toBe(false);
  });

  it('the server and the client use these very functions', () => {
    expect(access.canControl).toBe(rules.canControl);
    expect(access.canAnnotate).toBe(rules.canAnnotate);
    expect(access.canChangeAnnotation).toBe(rules.canChangeAnnotation);
    expect(access.canFork).toBe(rules.canFork);
    expect(access.canSwitchBranch).toBe(rules.canSwitchBranch);
    for (const r of ROLES) {
      for (const s of [settings(), settings({ playersAnnotate: true })]) {
        expect(mayAnnotate({ settings: s } as RoomState, member(r))).toBe(rules.canAnnotate(r, s));
      }
      expect(mayChange(member(r), note('m1'))).toBe(rules.canChangeAnnotation(r, 'm1', note('m1')));
      expect(mayChange(member(r), note('m2'))).toBe(rules.canChangeAnnotation(r, 'm1', note('m2')));
    }
    expect(mayAnnotate(null, member('instructor'))).toBe(false);
    expect(mayChange(null, note('m1'))).toBe(false);
  });
});
