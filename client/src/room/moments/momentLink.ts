import { z } from 'zod';

// Moment links: `/room/<id>?t=<ms>&branch=<branchId>[&annotation=<id>]`. Parsed with zod like every
// outside input; a malformed link is simply no moment (the room opens as usual).

const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_:.-]+$/);
export const MomentSchema = z.object({
  t: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600_000),
  branch: id,
  annotation: id.optional(),
});
export type Moment = z.infer<typeof MomentSchema>;

export function momentUrl(origin: string, roomId: string, m: Moment): string {
  const q = new URLSearchParams({ t: String(Math.max(0, Math.round(m.t))), branch: m.branch });
  if (m.annotation) q.set('annotation', m.annotation);
  return `${origin}/room/${encodeURIComponent(roomId)}?${q.toString()}`;
}

export function parseMoment(search: string): Moment | null {
  const q = new URLSearchParams(search);
  if (!q.has('t') || !q.has('branch')) return null;
  const r = MomentSchema.safeParse({ t: q.get('t'), branch: q.get('branch'), annotation: q.get('annotation') ?? undefined });
  return r.success ? r.data : null;
}

/** The moment part of a pasted room link, as a query string to carry over ('' when none). */
export function momentQuery(input: string): string {
  try {
    const m = parseMoment(new URL(input.trim(), 'http://x').search);
    if (!m) return '';
    const q = new URLSearchParams({ t: String(m.t), branch: m.branch });
    if (m.annotation) q.set('annotation', m.annotation);
    return q.toString();
  } catch {
    return '';
  }
}

/** Another feature (the chat's message times) asks to open a moment as a link would: peek, or offer the seek. */
export const MOMENT_EVENT = 'wardroom:moment';

export function requestMoment(m: Moment): void {
  document.dispatchEvent(new CustomEvent<Moment>(MOMENT_EVENT, { detail: m }));
}
