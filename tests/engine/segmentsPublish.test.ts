import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { stateAt } from '../../shared/battle/seek.js';
import { buildSegment, packWorld, plannedSegmentEnd, DEFAULT_SEGMENT_MS, type PackedWorld } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { DecisionChoice, Weapon } from '../../shared/battle/types.js';
import { battles, compileBattle, startFork, type BattleDefinition } from '../../replays/index.js';
import { joinEventsJson, serializeSegment, type SerializedSegment } from '../../server/timelines/segments/encode.js';
import {
  SegmentBuilder,
  sharedPrefix,
  viewOfCompilation,
  viewOfTimeline,
  type SerializedStart,
  type StartStates,
} from '../../server/timelines/segments/builder.js';

// The publish path of a compiling branch (issue #14, 16x): what it does faster must write the same bytes. packWorld
// interns weapon lists through a memo; the builder carries each segment's start state from the one before instead of
// stateAt; a checkpoint parses its run state when first read.

const unitCount = (d: BattleDefinition) => d.forces.reduce((n, f) => n + f.count, 0);
const def = [...battles].sort((a, b) => unitCount(a) - unitCount(b))[0];

function firstAlternative(): DecisionChoice {
  for (const spec of def.decisions) {
    const opt = spec.options.find((o) => !o.historical);
    if (opt)
      return opt.param ? { decisionId: spec.id, optionId: opt.id, value: opt.param.default } : { decisionId: spec.id, optionId: opt.id };
  }
  throw new Error(`${def.info.id} has no alternative option`);
}

/** The packing as it was before the memo: strings and weapon lists interned in order of first use, lists by JSON. */
function referencePack(state: WorldState): PackedWorld {
  const strings: string[] = [];
  const str = (s: string | undefined) => {
    if (s === undefined) return -1;
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const weapons: Weapon[][] = [];
  const keys: string[] = [];
  const ids: string[] = [];
  const rows: number[] = [];
  const sections: PackedWorld['units']['sections'] = {};
  for (const u of Object.values(state.units)) {
    const k = JSON.stringify(u.weapons);
    let wi = keys.indexOf(k);
    if (wi < 0) {
      keys.push(k);
      wi = weapons.push(u.weapons) - 1;
    }
    if (u.sections) sections[ids.length] = u.sections;
    ids.push(u.id);
    rows.push(str(u.side), str(u.kind), str(u.cls), str(u.name), str(u.group), str(u.commander), str(u.status));
    rows.push(u.pos.x, u.pos.y, u.vel.x, u.vel.y, u.t0, u.heading, u.shields, u.maxShields, u.hull, u.maxHull, u.size, wi);
  }
  const { units: _u, ...rest } = state;
  return { ...rest, units: { ids, strings, weapons, rows, sections } };
}

describe('the publish path writes the same bytes', () => {
  const history = compileBattle(def);
  const tl = history.timeline;

  it('packWorld equals the reference packing, first and again (memo warm)', () => {
    for (const ms of [0, tl.durationMs / 3, (2 * tl.durationMs) / 3, tl.durationMs]) {
      const s = stateAt(tl.events, tl.keyframes, ms);
      const want = JSON.stringify(referencePack(s));
      expect(JSON.stringify(packWorld(s))).toBe(want);
      expect(JSON.stringify(packWorld(s))).toBe(want);
    }
  });

  it('a builder listing in order (start carried from the segment before) equals stateAt-built segments', () => {
    const fromStateAt = (view: ReturnType<typeof viewOfTimeline>, index: number, startMs: number, endMs: number) =>
      serializeSegment(buildSegment(view, view.events, view.keyframes, index, startMs, endMs)).info.hash;
    // A finished timeline, all at once.
    const whole = new SegmentBuilder().list(viewOfTimeline(tl));
    expect(whole.length).toBeGreaterThan(3);
    for (const s of whole) expect(s.info.hash).toBe(fromStateAt(viewOfTimeline(tl), s.info.index, s.info.startMs, s.info.endMs));
    // A fork compiled a planned segment at a time, as the compile worker does (no prefix: every segment built).
    const choice = firstAlternative();
    const c = startFork(def, history, choice.decisionId, choice, [choice]);
    const b = new SegmentBuilder();
    const listed = b.list(viewOfCompilation(c));
    while (c.advanceTo(plannedSegmentEnd(b.builtMs, b.segmentMs))) listed.push(...b.list(viewOfCompilation(c)));
    const fork = c.result().timeline;
    listed.push(...b.list(viewOfTimeline(fork)));
    expect(listed.map((s) => s.info.index)).toEqual(listed.map((_, i) => i));
    for (const s of listed) expect(s.info.hash).toBe(fromStateAt(viewOfTimeline(fork), s.info.index, s.info.startMs, s.info.endMs));
  });

  it('a segment listed from the parts cut while it compiled (events JSON joined, not stringified again) is the same bytes', () => {
    // As the compile worker: start states kept at decision points (a fork's first own segment splices its parent's),
    // 200 ms slices with a part cut after each, the segments listed as they become final, the rest at the end.
    const kept = new Map<number, SerializedStart>();
    const starts: StartStates = { find: (ms) => kept.get(ms), keep: (ms, st) => kept.set(ms, st).size > 0 };
    const parent = new SegmentBuilder(DEFAULT_SEGMENT_MS, [], starts);
    parent.list(viewOfTimeline(tl));
    expect(kept.size).toBeGreaterThan(0);
    const choice = firstAlternative();
    const c = startFork(def, history, choice.decisionId, choice, [choice]);
    const fork = c.meta.fork as NonNullable<typeof c.meta.fork>;
    // The fork's own start states; its parent's answer for times up to the fork point (as the server's store does).
    const own = new Map<number, SerializedStart>();
    const forkStarts: StartStates = {
      find: (ms) => own.get(ms) ?? (ms <= fork.atMs ? kept.get(ms) : undefined),
      keep: (ms, st) => own.set(ms, st).size > 0,
    };
    const b = new SegmentBuilder(DEFAULT_SEGMENT_MS, sharedPrefix(parent.manifest!, fork), forkStarts);
    const listed: SerializedSegment[] = [];
    let parts = 0;
    while (c.advanceTo(c.compiledMs + 200)) {
      if (b.part(viewOfCompilation(c)).part) parts++;
      listed.push(...b.list(viewOfCompilation(c)));
    }
    const tl2 = c.result().timeline;
    listed.push(...b.list(viewOfTimeline(tl2)));
    expect(parts).toBeGreaterThan(listed.length);
    // The joined path was taken (not only the fallback's stringify): every segment cut in parts after the first.
    expect(b.joinedFromParts).toBeGreaterThanOrEqual(listed.length - 2);
    const first = listed[0].info.index;
    expect(listed.map((s) => s.info.index)).toEqual(listed.map((_, i) => first + i));
    const view = viewOfTimeline(tl2);
    for (const s of listed) {
      const want = serializeSegment(buildSegment(view, view.events, view.keyframes, s.info.index, s.info.startMs, s.info.endMs)).json;
      expect(s.json.equals(want)).toBe(true);
    }
  });

  it('joinEventsJson joins pieces of an array into its JSON, empty pieces included', () => {
    const items = [{ a: 1 }, { b: 'x,]' }, { c: [1, 2] }, { d: null }];
    const piece = (xs: unknown[]) => Buffer.from(JSON.stringify(xs));
    const want = JSON.stringify(items);
    expect(joinEventsJson([piece(items.slice(0, 1)), piece([]), piece(items.slice(1, 3)), piece(items.slice(3))]).toString()).toBe(want);
    expect(joinEventsJson([piece([]), piece(items), piece([])]).toString()).toBe(want);
    expect(joinEventsJson([piece([])]).toString()).toBe('[]');
    expect(joinEventsJson([]).toString()).toBe('[]');
  });

  it("a compile's own fold (foldedTo) is the state at that seq, and folding it early changes neither keyframes nor events", () => {
    const choice = firstAlternative();
    const early = startFork(def, history, choice.decisionId, choice, [choice]);
    let asked = 0;
    for (let ms = early.compiledMs; early.advanceTo(ms); ms += 3_000) {
      const n = early.events.length;
      expect(early.foldedTo(n - 1)).toBeUndefined(); // not where the compile is
      const folded = early.foldedTo(n);
      expect(folded?.nextSeq).toBe(n);
      const atT = early.events[n - 1].t;
      // stateAt folds every event with t <= atT: all of them here (the compile stopped at atT).
      expect(folded).toEqual(stateAt(early.events, early.keyframes, atT));
      asked++;
    }
    expect(asked).toBeGreaterThan(3);
    const plain = startFork(def, history, choice.decisionId, choice, [choice]).result().timeline;
    const tl2 = early.result().timeline;
    expect(tl2.eventsSha256).toBe(plain.eventsSha256);
    expect(JSON.stringify(tl2.keyframes)).toBe(JSON.stringify(plain.keyframes));
  });

  it('a checkpoint parses its run state when first read, the same state, and serializes as a plain one', () => {
    const cp = Object.values(history.checkpoints)[0];
    const text = JSON.stringify(cp);
    const run = cp.run;
    expect(cp.run).toBe(run); // parsed once, kept
    expect(run.world.units.length).toBeGreaterThan(0);
    expect(JSON.stringify(cp)).toBe(text);
    expect(Object.keys(cp)).toContain('run');
    const copy = deserialize(serialize(cp)) as typeof cp;
    expect(JSON.stringify(copy)).toBe(text);
  });
});
