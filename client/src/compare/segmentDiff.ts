import type { BattleEvent } from '../../../shared/battle/events.js';
import { segmentIndexAt, unpackWorld, type SegmentPayload } from '../../../shared/battle/segments.js';
import type { BattleInfo } from '../../../shared/battle/timeline.js';
import type { SegmentWorld } from '../../lib/segmentWorld.js';
import { describeEvent } from './describe.js';
import { firstDifference, type FirstDifference } from './outcomeDiff.js';

// The first event where two branches part, found from their segments instead of their whole event lists.
// Both branches share every event before the later fork point, so the segment holding it starts from the same
// world (and seq) on both: the events of that segment and a few after it, concatenated per branch, line up by
// seq from there.

export async function firstDifferenceFromSegments(
  battle: BattleInfo | null,
  a: SegmentWorld,
  b: SegmentWorld,
  forkMs: number,
  sharedSeq: number,
  maxSegments = 4,
): Promise<FirstDifference | null> {
  const [ma, mb] = await Promise.all([a.loadManifest(), b.loadManifest()]);
  const from = segmentIndexAt(ma.segments, forkMs);
  const gather = async (w: SegmentWorld, count: number): Promise<SegmentPayload[]> =>
    Promise.all(Array.from({ length: Math.max(0, Math.min(maxSegments, count - from)) }, (_, i) => w.segment(from + i)));
  const [sa, sb] = await Promise.all([gather(a, ma.segments.length), gather(b, mb.segments.length)]);
  if (!sa.length || !sb.length || sa[0].firstSeq !== sb[0].firstSeq) return null;
  const first = sa[0].firstSeq;
  const ea = sa.flatMap((s) => s.events);
  const eb = sb.flatMap((s) => s.events);
  const names = namesOf([...sa, ...sb]);
  const common = Math.min(ea.length, eb.length);
  const skip = Math.max(0, sharedSeq - first);
  const f = firstDifference(battle, ea.slice(0, common), eb.slice(0, common), skip, names);
  if (f) return { ...f, index: f.index + first };
  const more = (m: typeof ma, s: SegmentPayload[]) => from + s.length < m.segments.length;
  // Identical as far as both were read: a difference only if one ended (or was read shorter) inside the window.
  if (ea.length === eb.length || (ea.length < eb.length ? more(ma, sa) : more(mb, sb))) return null;
  const x: BattleEvent | undefined = ea[common];
  const y: BattleEvent | undefined = eb[common];
  return {
    index: first + common,
    t: Math.min(x?.t ?? Infinity, y?.t ?? Infinity),
    left: describeEvent(battle, x, names),
    right: describeEvent(battle, y, names),
  };
}

function namesOf(segs: SegmentPayload[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const u of Object.values(unpackWorld(segs[0].start).units)) names.set(u.id, u.name);
  for (const s of segs) for (const e of s.events) if (e.type === 'unit:spawn' && !names.has(e.unit.id)) names.set(e.unit.id, e.unit.name);
  return names;
}
