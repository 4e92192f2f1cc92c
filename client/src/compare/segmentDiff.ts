import type { BattleEvent } from '../../../shared/battle/events.js';
import { segmentIndexAt, unpackWorld, type SegmentPayload } from '../../../shared/battle/segments.js';
import type { BattleInfo } from '../../../shared/battle/timeline.js';
import type { SegmentWorld } from '../../lib/segmentWorld.js';
import { describeEvent } from './describe.js';
import { firstDifference, type FirstDifference } from './outcomeDiff.js';

// The first event where two branches part, found from their segments instead of their whole event lists.
// Both branches share every event before the later fork point, so the segments holding it start from the
// same world and their events line up by seq: compare those pairs, at most `maxPairs` of them.

const namesOf = (seg: SegmentPayload): Map<string, string> => {
  const names = new Map<string, string>();
  for (const u of Object.values(unpackWorld(seg.start).units)) names.set(u.id, u.name);
  for (const e of seg.events) if (e.type === 'unit:spawn') names.set(e.unit.id, e.unit.name);
  return names;
};

export async function firstDifferenceFromSegments(
  battle: BattleInfo | null,
  a: SegmentWorld,
  b: SegmentWorld,
  forkMs: number,
  sharedSeq: number,
  maxPairs = 4,
): Promise<FirstDifference | null> {
  const [ma, mb] = await Promise.all([a.loadManifest(), b.loadManifest()]);
  const last = Math.min(ma.segments.length, mb.segments.length);
  for (let k = segmentIndexAt(forkMs, ma.segmentMs), n = 0; k < last && n < maxPairs; k++, n++) {
    const [sa, sb] = await Promise.all([a.segment(k), b.segment(k)]);
    const names = namesOf(sa.events.length >= sb.events.length ? sa : sb);
    const common = Math.min(sa.events.length, sb.events.length);
    const from = Math.max(0, sharedSeq - sa.firstSeq);
    const f = firstDifference(battle, sa.events.slice(0, common), sb.events.slice(0, common), from, names);
    if (f) return { ...f, index: f.index + sa.firstSeq };
    if (sa.events.length !== sb.events.length) {
      // One branch has more events in this stretch: its next one is where they part.
      const next = async (w: SegmentWorld, s: SegmentPayload): Promise<BattleEvent | undefined> =>
        s.events[common] ?? (k + 1 < last ? (await w.segment(k + 1)).events[0] : undefined);
      const [x, y] = await Promise.all([next(a, sa), next(b, sb)]);
      const t = Math.min(x?.t ?? Infinity, y?.t ?? Infinity);
      return { index: sa.firstSeq + common, t, left: describeEvent(battle, x, names), right: describeEvent(battle, y, names) };
    }
  }
  return null;
}
