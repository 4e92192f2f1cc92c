import {
  AnnotationAddSchema,
  AnnotationDeleteSchema,
  AnnotationEditSchema,
  AnnotationImportSchema,
} from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import { canAnnotate, canChangeAnnotation, canImportAnnotations, require } from '../rooms/access.js';
import { bind, type HandlerTable } from './bind.js';
import { broadcast } from './broadcast.js';
import type { HandlerDeps } from './deps.js';

export function registerAnnotationHandlers(table: HandlerTable, d: HandlerDeps): void {
  const settingsOf = async (roomId: string) => (await d.rooms.room(roomId)).settings;

  // Idempotent: a retried add (same id) is stored and broadcast once, and acked with the stored annotation.
  bind(table, d, 'annotation:add', AnnotationAddSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(canAnnotate(member.role, await settingsOf(roomId)), 'your role may not annotate in this room');
    const { created, annotation } = await d.rooms.addAnnotation(roomId, member, p);
    if (annotation.authorId !== member.memberId) throw new AppError('CONFLICT', `annotation id ${p.id} is taken`);
    if (created) broadcast(d, { roomId, kind: 'annotation', stops: true }, 'annotation:added', annotation);
    return { annotation };
  });

  bind(table, d, 'annotation:edit', AnnotationEditSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    const current = await d.rooms.annotation(roomId, p.id);
    require(canChangeAnnotation(member.role, member.memberId, current), 'only the instructor or the author edits an annotation');
    const annotation = await d.rooms.editAnnotation(current, p);
    broadcast(d, { roomId, kind: 'annotation', stops: true }, 'annotation:updated', annotation);
    return { annotation };
  });

  bind(table, d, 'annotation:delete', AnnotationDeleteSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    const current = await d.rooms.annotation(roomId, p.id);
    require(canChangeAnnotation(member.role, member.memberId, current), 'only the instructor or the author deletes an annotation');
    if (await d.rooms.deleteAnnotation(roomId, p.id)) {
      broadcast(d, { roomId, kind: 'annotation', stops: true }, 'annotation:removed', { id: p.id, branchId: current.branchId });
    }
    return { id: p.id };
  });

  // Bulk import of an export; one annotation:added per new annotation (ids already present are skipped).
  bind(table, d, 'annotation:import', AnnotationImportSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(canImportAnnotations(member.role), 'only the instructor imports annotations');
    const created = await d.rooms.importAnnotations(roomId, member, p);
    // Stop points re-planned once for the whole import.
    for (const [i, a] of created.entries()) broadcast(d, { roomId, kind: 'annotation', stops: i === 0 }, 'annotation:added', a);
    return { imported: created.length };
  });
}
