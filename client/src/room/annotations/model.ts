import type { Annotation, Member, RoomState } from '../../../../shared/protocol/events.js';
import { AnnotationImportSchema, type AnnotationAddPayload, type AnnotationImportPayload } from '../../../../shared/protocol/schemas.js';
import { canChangeAnnotation, permissionsOf } from '../../../../shared/rules/permissions.js';
import type { RoomHandle } from '../roomHandle.js';

// Pure helpers of the annotation feature: who may do what (the shared rules in shared/rules/permissions.ts;
// the server enforces them, this only shapes the UI), ordering, ids, lesson files.

/** Pins and arrows show on the map while the play head is this close to their moment. */
export const NEAR_MS = 5000;

/**
 * A client-chosen id that satisfies the add schema ([A-Za-z0-9_-], 8-64). getRandomValues works in
 * insecure contexts too (randomUUID does not), e.g. a LAN address over plain http.
 */
export function newAnnotationId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `a${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function mayAnnotate(room: RoomState | null, you: Member | null): boolean {
  return permissionsOf(room, you).annotate;
}

export function mayChange(you: Member | null, a: Annotation): boolean {
  return !!you && canChangeAnnotation(you.role, you.memberId, a);
}

/** The room's annotations on its current branch, in playback order. */
export function branchAnnotations(room: RoomState | null): Annotation[] {
  if (!room) return [];
  return room.annotations
    .filter((a) => a.branchId === room.branchId)
    .sort((x, y) => x.positionMs - y.positionMs || x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
}

/**
 * Add with retries on a lost acknowledgement: the same id each time, so the server stores it once
 * whichever attempt got through.
 */
export async function addWithRetry(
  client: Pick<RoomHandle, 'addAnnotation'>,
  p: AnnotationAddPayload,
  attempts = 3,
): ReturnType<RoomHandle['addAnnotation']> {
  let last = await client.addAnnotation(p);
  for (let i = 1; i < attempts && !last.ok && last.error.code === 'INTERNAL'; i++) last = await client.addAnnotation(p);
  return last;
}

/** A lesson file: the JSON export (`{annotations: [...]}`) or a bare array of annotations. */
export function parseLesson(text: string): { ok: true; payload: AnnotationImportPayload } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not a JSON file' };
  }
  const list = Array.isArray(raw)
    ? raw
    : typeof raw === 'object' && raw !== null
      ? (raw as { annotations?: unknown }).annotations
      : undefined;
  if (!Array.isArray(list)) return { ok: false, message: 'no "annotations" list in this file' };
  const parsed = AnnotationImportSchema.safeParse({ annotations: list });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `not a Wardroom lesson: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
  }
  return { ok: true, payload: parsed.data };
}
