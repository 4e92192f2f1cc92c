import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../client/lib/roomClient.js';
import type { AnnotationImportPayload } from '../../shared/protocol/schemas.js';
import { FIXTURE_DURATION } from '../server/fixtures/timeline.js';
import { type Booted, boot } from '../server/helpers.js';

// `annotation:import` of a hostile file (issue #13 item 5): what a crafted export can and cannot do.

let s: Booted;
let roomId: string;
let inst: RoomClient;
let player: RoomClient;

beforeAll(async () => {
  s = await boot();
  const created = await s.createRoom({ battleId: 'fixture-skirmish', settings: { playersAnnotate: true } });
  roomId = created.roomId;
  inst = s.client({ roomId, name: 'Sisko', instructorKey: created.instructorKey, pings: 0 });
  player = s.client({ roomId, name: 'Nog', role: 'player', pings: 0 });
  await Promise.all([inst.ready, player.ready]);
  expect((await player.addAnnotation({ id: 'players-own-note', positionMs: 1000, text: 'mine' })).ok).toBe(true);
});
afterAll(() => s.close());

const importRaw = (json: string) => inst.call('annotation:import', JSON.parse(json) as AnnotationImportPayload);
const stored = () => s.app.rooms.annotations(roomId);

describe('hostile annotation:import', () => {
  it('refuses an oversized file whole (more than 500 entries), storing nothing', async () => {
    const many = Array.from({ length: 501 }, (_, i) => ({ id: `bulk-${String(i).padStart(6, '0')}`, positionMs: 1, text: 'x' }));
    expect(await inst.importAnnotations({ annotations: many })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect((await stored()).length).toBe(1);
  });

  it('refuses a file with one bad entry whole (NaN-as-null position, wrong types, deep values)', async () => {
    for (const bad of [
      '{"annotations":[{"id":"good-entry-1","positionMs":1,"text":"ok"},{"id":"bad-entry-01","positionMs":null,"text":"x"}]}',
      '{"annotations":[{"id":"bad-entry-02","positionMs":1,"text":{"toString":"x"}}]}',
      '{"annotations":[{"id":"../../etc/passwd","positionMs":1,"text":"x"}]}',
      '{"annotations":[{"id":"bad-entry-03","positionMs":1,"text":"x","at":{"x":1,"y":{"a":[[[[[[1]]]]]]}}}]}',
      '{"annotations":"all of them"}',
    ]) {
      expect(await importRaw(bad), bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect((await stored()).map((a) => a.id)).toEqual(['players-own-note']);
  });

  it('keeps what it may and nothing more: prototype keys dropped, ids of others untouched, positions clamped, text inert', async () => {
    const file = `{"annotations":[
      {"id":"proto-note-1","positionMs":5,"text":"a","__proto__":{"polluted":true,"authorRole":"instructor"},"constructor":{"prototype":{"polluted":true}}},
      {"id":"players-own-note","positionMs":2,"text":"overwritten?","author":"Nog"},
      {"id":"far-future-1","positionMs":1e308,"text":"<script>alert(1)</script> **bold** [x](javascript:alert(1))"},
      {"id":"spoofed-auth","positionMs":7,"text":"b","authorId":"m_someone_else","authorRole":"viewer","createdAt":-1}
    ]}`;
    expect(await importRaw(file)).toMatchObject({ ok: true, imported: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const byId = new Map((await stored()).map((a) => [a.id, a]));
    expect(byId.get('players-own-note')).toMatchObject({ text: 'mine', author: 'Nog' }); // not overwritten
    expect(Object.getPrototypeOf(byId.get('proto-note-1'))).toBe(Object.prototype);
    expect(Object.keys(byId.get('proto-note-1')!)).not.toContain('polluted');
    expect(byId.get('far-future-1')!.positionMs).toBe(FIXTURE_DURATION);
    expect(byId.get('spoofed-auth')).toMatchObject({ authorId: inst.you()!.memberId, authorRole: 'instructor' });
    expect(byId.get('spoofed-auth')!.createdAt).toBeGreaterThan(0);
    const md = await (await fetch(`${s.url}/api/rooms/${roomId}/annotations?format=md`)).text();
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/(?<!\\)\]\(javascript:/); // brackets escaped: not a link
  });

  it('a non-instructor cannot import at all', async () => {
    expect(await player.importAnnotations({ annotations: [{ id: 'player-import', positionMs: 1, text: 'x' }] })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });
});
