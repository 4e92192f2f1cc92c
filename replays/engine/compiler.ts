import { createHash } from 'node:crypto';
import { createActor, SimulatedClock, type Actor, type AnyStateMachine } from 'xstate';
import type { BattleEvent, BattleEventBody } from '../../shared/battle/events.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import { emptyWorld, type WorldState } from '../../shared/battle/state.js';
import { countForces } from '../../shared/battle/forces.js';
import type { DecisionPointInfo, Keyframe, PhaseSpan, SideLosses, Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice, Objective, SideId } from '../../shared/battle/types.js';
import { dueCaptions, newCaptionPace, phaseCaption, type CaptionPace } from './captions.js';
import { cloneJson, cloneJsonInSlices, plainJsonInPlace } from './jsonClone.js';
import { branchIdFor, DecisionError, historicalChoice, isHistorical, normalizeDecisions, validateChoice } from './decisions.js';
import {
  applyOrder,
  computeFacts,
  createWorld,
  dropWorldCache,
  rereadWorldCache,
  step,
  syncWorld,
  unitIndex,
  type SimWorld,
} from './sim/index.js';
import { publicField as publicFieldOf, publicUnit as publicUnitOf } from './sim/world.js';
import type { BattleCommand, BattleDefinition, Facts, MachineEvent } from './types.js';

// The compiler runs a battle machine against the simulation on a simulated clock and records what
// happens as a timeline. Each step: advance the world, advance the machine's clock (its `after`
// timers fire), send TICK with the new facts, then settle decision points. Time is the compiler's:
// nothing here reads the wall clock, and the only dice are the world's seeded generator.

export const STEP_MS = 200;
export const KEYFRAME_INTERVAL_MS = 5000;
/**
 * A battle with more units than this at t = 0 keeps a keyframe every LARGE_KEYFRAME_INTERVAL_MS instead. At 22,401
 * units a keyframe holds ~1.25 MB of heap (its unit map and the units changed since the one before): 114 MB of
 * Cardassia's history at 5 s, the largest part of what the compile worker keeps per branch. A seek or a segment's
 * start state folds at most one interval of events after its keyframe (Cardassia: ~30 ms for 30 s of them).
 */
export const LARGE_BATTLE_UNITS = 5000;
export const LARGE_KEYFRAME_INTERVAL_MS = 30_000;

/** The keyframe interval of a battle with `units` units at t = 0 (the same on every branch: forks inherit it). */
export function keyframeIntervalFor(units: number): number {
  return units > LARGE_BATTLE_UNITS ? LARGE_KEYFRAME_INTERVAL_MS : KEYFRAME_INTERVAL_MS;
}
/** The world keeps running this long after `end`, so the last explosions play out. */
export const END_GRACE_MS = 3000;

/** Everything the compiler needs to carry on from a moment: plain JSON. */
export interface RunState {
  world: SimWorld;
  phase: Omit<PhaseSpan, 'endMs'> | null;
  phases: PhaseSpan[];
  facts: string[];
  objectives: Record<string, Objective>;
  ended: { winner: SideId | null; summary: string; t: number } | null;
  reached: Record<string, { atMs: number; seq: number; chosen: DecisionChoice | null }>;
  /** Reducer state after every event so far (what the next keyframe will hold). */
  fold: WorldState;
  nextKeyframeT: number;
  /** Queued captions (replays/engine/captions.ts); absent until the first caption. */
  captions?: CaptionPace;
}

/** The world at a decision point, just before the choice is made: a branch resumes from here. */
export interface Checkpoint {
  decisionId: string;
  t: number;
  /** seq of the decision:point event. */
  pointSeq: number;
  /** Number of events before the choice (= pointSeq + 1): a branch shares these with its parent. */
  seq: number;
  /** actor.getPersistedSnapshot() of the machine. */
  machine: unknown;
  /** The compiler run state: world (with its RNG state), phases, facts, keyframe fold. */
  run: RunState;
}

export interface CompiledBranch {
  timeline: Timeline;
  checkpoints: Record<string, Checkpoint>;
}

export interface CompileOptions {
  decisions?: DecisionChoice[];
  seed?: number;
  parentBranchId?: string | null;
  /** Observe every TICK's facts (tests sample them to drive machine-graph traversal). */
  onTick?: (facts: Facts) => void;
}

type BattleActor = Actor<AnyStateMachine>;

type FinishMeta = {
  battleId: string;
  branchId: string;
  parentBranchId: string | null;
  decisions: DecisionChoice[];
  seed: number;
  fork: Timeline['fork'];
};

function jsonCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The event with its seq and t, keys in the order {seq, t, ...body}. Shots and course changes are most of
 * a big battle's events: spelled out, they skip the generic spread (a runtime call per event) and share
 * one object shape, which JSON.stringify also serialises faster. The bytes are the same.
 */
function stamp(seq: number, t: number, b: BattleEventBody): BattleEvent {
  if (b.type === 'unit:fire' && b.section === undefined) {
    return { seq, t, type: b.type, from: b.from, to: b.to, weapon: b.weapon, hit: b.hit, shields: b.shields, hull: b.hull };
  }
  if (b.type === 'unit:move') return { seq, t, type: b.type, id: b.id, pos: b.pos, vel: b.vel, heading: b.heading };
  return { seq, t, ...b } as BattleEvent;
}

/**
 * A checkpoint whose run state is the JSON text `runJson` (fold aside: immutable, so shared), parsed on first read of
 * `run` and kept parsed (the text is let go). An own enumerable accessor, so JSON.stringify, Object.entries and
 * v8.serialize (the history cache) see `run` as a plain property. The same state as parsing at once.
 */
function lazyCheckpoint(head: Omit<Checkpoint, 'run'>, runJson: string, fold: WorldState): Checkpoint {
  let run: RunState | null = null;
  const cp = head as Checkpoint;
  unparsed.set(cp, { text: runJson, fold });
  Object.defineProperty(cp, 'run', {
    enumerable: true,
    configurable: true,
    get(): RunState {
      if (!run) {
        // fold is immutable (the reducer never mutates), so it is shared, not copied.
        run = { ...(JSON.parse(runJson) as RunState), fold };
        unparsed.delete(cp);
      }
      return run;
    },
  });
  return cp;
}

/**
 * Checkpoints whose run state is still only text: a resume copy parses the text itself (the parse is the copy), so
 * the checkpoint's own parse and a structural clone after it are both saved.
 */
const unparsed = new WeakMap<Checkpoint, { text: string; fold: WorldState }>();

class Run {
  readonly events: BattleEvent[];
  readonly keyframes: Keyframe[];
  readonly checkpoints: Record<string, Checkpoint> = {};
  private pending: BattleCommand[] = [];
  private unfolded: BattleEvent[] = [];
  private actor!: BattleActor;
  private clock!: SimulatedClock;
  private readonly choices: Map<string, DecisionChoice>;
  onTick: ((facts: Facts) => void) | undefined;

  constructor(
    readonly def: BattleDefinition,
    readonly state: RunState,
    normalized: DecisionChoice[],
    events: BattleEvent[],
    keyframes: Keyframe[],
    readonly keyframeMs: number,
  ) {
    this.events = events;
    this.keyframes = keyframes;
    this.choices = new Map(normalized.map((c) => [c.decisionId, c]));
  }

  get world(): SimWorld {
    return this.state.world;
  }

  start(snapshot: unknown | undefined): void {
    this.clock = new SimulatedClock();
    this.clock.set(this.world.t);
    const opts = snapshot === undefined ? { clock: this.clock } : { clock: this.clock, snapshot: snapshot as never };
    this.actor = createActor(this.def.machine, opts);
    this.actor.on('*', (cmd) => {
      this.pending.push(cmd as unknown as BattleCommand);
    });
    this.actor.start();
    this.flush();
  }

  emit(body: BattleEventBody): void {
    const ev = stamp(this.events.length, this.world.t, body);
    const s = this.state;
    if (ev.t > s.nextKeyframeT) {
      this.foldNow();
      while (ev.t > s.nextKeyframeT) {
        this.keyframes.push({ t: s.nextKeyframeT, state: s.fold });
        s.nextKeyframeT += this.keyframeMs;
      }
    }
    this.events.push(ev);
    this.unfolded.push(ev);
  }

  /** Bring state.fold up to date (events are folded in batches: one unit-map copy per batch). */
  foldNow(): void {
    if (this.unfolded.length === 0) return;
    this.state.fold = applyEvents(this.state.fold, this.unfolded);
    this.unfolded = [];
  }

  private emitAll(bodies: BattleEventBody[]): void {
    for (const b of bodies) this.emit(b);
  }

  private flush(): void {
    while (this.pending.length) {
      const cmd = this.pending.shift() as BattleCommand;
      this.handle(cmd);
    }
  }

  private handle(cmd: BattleCommand): void {
    const s = this.state;
    const t = this.world.t;
    switch (cmd.type) {
      case 'phase': {
        if (s.phase) {
          this.emit({ type: 'phase:end', phaseId: s.phase.id });
          s.phases.push({ ...s.phase, endMs: t });
        }
        const caption = phaseCaption((s.captions ??= newCaptionPace()), t, cmd.caption);
        s.phase = { id: cmd.phaseId, title: cmd.title, label: cmd.label, caption, startMs: t };
        this.emit({ type: 'phase:start', phaseId: cmd.phaseId, title: cmd.title, label: cmd.label, caption });
        return;
      }
      case 'caption':
        (s.captions ??= newCaptionPace()).queue.push(cmd.text);
        return;
      case 'order': {
        const out: BattleEventBody[] = [];
        applyOrder(this.world, cmd.order, out);
        this.emitAll(out);
        return;
      }
      case 'objective': {
        const prev = s.objectives[cmd.id];
        const progress = cmd.progress ?? (cmd.status === 'complete' ? 1 : (prev?.progress ?? 0));
        const objective: Objective = { id: cmd.id, label: cmd.label, side: cmd.side, progress, status: cmd.status };
        s.objectives[cmd.id] = objective;
        this.emit({ type: 'objective', objective });
        return;
      }
      case 'effect':
        this.emit(
          cmd.label === undefined
            ? { type: 'effect', kind: cmd.kind, pos: cmd.pos, radius: cmd.radius }
            : { type: 'effect', kind: cmd.kind, pos: cmd.pos, radius: cmd.radius, label: cmd.label },
        );
        return;
      case 'fact':
        s.facts.push(cmd.text);
        return;
      case 'end':
        if (s.ended) return;
        s.ended = { winner: cmd.winner, summary: cmd.summary, t };
        this.emit({ type: 'battle:end', winner: cmd.winner, summary: cmd.summary });
        return;
      default: {
        const unknown = cmd as { type?: unknown };
        throw new Error(`Battle ${this.def.info.id}: unknown command type '${String(unknown.type)}' emitted by the machine`);
      }
    }
  }

  private decisionIdOf(): string | null {
    const snap = this.actor.getSnapshot();
    if (!snap.hasTag('decision')) return null;
    const meta = snap.getMeta() as Record<string, unknown>;
    for (const key of Object.keys(meta).sort()) {
      const m = meta[key] as { decisionId?: unknown } | undefined;
      if (m && typeof m.decisionId === 'string') return m.decisionId;
    }
    throw new Error(`Battle ${this.def.info.id}: a state tagged 'decision' has no meta.decisionId`);
  }

  /** Handle decision points the machine is in: record, checkpoint, choose. */
  settle(): void {
    for (;;) {
      const id = this.decisionIdOf();
      if (id === null) return;
      const spec = this.def.decisions.find((d) => d.id === id);
      if (!spec) throw new Error(`Battle ${this.def.info.id}: machine reached decision '${id}' which is not in decisions[]`);
      if (this.state.reached[id]) {
        throw new Error(`Battle ${this.def.info.id}: machine stayed in decision '${id}' after DECIDE (does the state handle DECIDE?)`);
      }
      this.emit({ type: 'decision:point', decisionId: id, title: spec.title });
      const pointSeq = this.events.length - 1;
      this.foldNow();
      // The step keeps cooldowns in its own arrays: put them back in the world before it is copied.
      syncWorld(this.world);
      this.state.reached[id] = { atMs: this.world.t, seq: pointSeq, chosen: null };
      // One JSON text for the checkpoint (the world is most of it: 22,000 units at Cardassia's scale). The run carries
      // on from exactly the state a branch resuming here will (below); the checkpoint keeps the text and parses it when first read (lazyCheckpoint): a fork at it, the copy made ahead in idle time, the
      // history cache. Parsing it here too was ~100 ms of every compile's (and every passing fork's) publish path.
      const runJson = JSON.stringify({ ...this.state, fold: null });
      this.checkpoints[id] = lazyCheckpoint(
        {
          decisionId: id,
          t: this.world.t,
          pointSeq,
          seq: this.events.length,
          machine: jsonCopy(this.actor.getPersistedSnapshot()),
        },
        runJson,
        this.state.fold,
      );
      // The run carries on from its own world when that is already what the text parses to (plainJsonInPlace turns
      // its -0s into 0, as JSON does; the cooldowns were synced into the objects above), with the step's arrays read
      // again from the objects (what a rebuild would hold, as for a parsed world). Else from the text parsed. Either
      // way the same state a branch resuming here starts from.
      if (plainJsonInPlace(this.state.world)) rereadWorldCache(this.state.world);
      else {
        dropWorldCache(this.state.world);
        this.state.world = (JSON.parse(runJson) as RunState).world;
      }
      this.decide(id, this.choices.get(id) ?? historicalChoice(spec));
    }
  }

  decide(id: string, choice: DecisionChoice): void {
    const spec = this.def.decisions.find((d) => d.id === id);
    if (!spec) throw new DecisionError('UNKNOWN_DECISION', `Unknown decision '${id}'`);
    const made: BattleEventBody =
      choice.value === undefined
        ? { type: 'decision:made', historical: isHistorical(spec, choice), decisionId: id, optionId: choice.optionId }
        : { type: 'decision:made', historical: isHistorical(spec, choice), decisionId: id, optionId: choice.optionId, value: choice.value };
    this.emit(made);
    this.state.reached[id].chosen = choice;
    const ev: MachineEvent =
      choice.value === undefined
        ? { type: 'DECIDE', decisionId: id, optionId: choice.optionId }
        : { type: 'DECIDE', decisionId: id, optionId: choice.optionId, value: choice.value };
    this.actor.send(ev);
    this.flush();
  }

  /** True once the battle has ended (plus grace) or hit the time cap, and the machine is stopped. */
  over = false;

  /**
   * Step until world.t >= untilMs, or the battle ends (plus grace) or reaches the time cap. Returns false once
   * it is over. Stepping in pieces runs exactly the same steps as one call with Infinity (progressive forks).
   */
  advance(untilMs: number): boolean {
    const max = this.def.maxDurationMs;
    for (;;) {
      if (this.over) return false;
      if (this.world.t >= untilMs) return true;
      const s = this.state;
      if (s.captions) for (const text of dueCaptions(s.captions, this.world.t)) this.emit({ type: 'caption', text });
      if (s.ended && this.world.t >= s.ended.t + END_GRACE_MS) break;
      if (this.world.t >= max) {
        if (!s.ended) {
          const summary = `Time limit of ${Math.round(max / 1000)} s reached before the battle was decided.`;
          s.facts.push(`The simulation stopped at the ${Math.round(max / 1000)} s time limit.`);
          s.ended = { winner: null, summary, t: this.world.t };
          this.emit({ type: 'battle:end', winner: null, summary });
        }
        break;
      }
      const out: BattleEventBody[] = [];
      step(this.world, STEP_MS, out, this.def.volleys === true);
      this.emitAll(out);
      this.clock.increment(STEP_MS);
      this.flush();
      if (this.actor.getSnapshot().status === 'active') {
        const facts = computeFacts(this.world, this.def);
        this.onTick?.(facts);
        this.actor.send({ type: 'TICK', t: this.world.t, facts } satisfies MachineEvent);
        this.flush();
      }
      this.settle();
    }
    this.actor.stop();
    this.over = true;
    return false;
  }

  /** Step until the battle ends (plus grace) or the time cap. */
  runToEnd(): void {
    this.advance(Infinity);
  }

  /** Phases so far (the open one ends at the current time) and decision points, for a branch still compiling. */
  partial(): { phases: PhaseSpan[]; decisionPoints: DecisionPointInfo[] } {
    const s = this.state;
    const phases = s.phase ? [...s.phases, { ...s.phase, endMs: this.world.t }] : [...s.phases];
    return { phases, decisionPoints: this.decisionPoints() };
  }

  private decisionPoints(): DecisionPointInfo[] {
    const s = this.state;
    return this.def.decisions.map((d) => {
      const r = s.reached[d.id];
      return {
        id: d.id,
        title: d.title,
        prompt: d.prompt,
        options: d.options,
        atMs: r ? r.atMs : null,
        seq: r ? r.seq : null,
        chosen: r ? r.chosen : null,
      };
    });
  }

  finish(meta: FinishMeta): Timeline {
    const s = this.state;
    const durationMs = this.world.t;
    this.foldNow();
    while (s.nextKeyframeT <= durationMs) {
      this.keyframes.push({ t: s.nextKeyframeT, state: s.fold });
      s.nextKeyframeT += this.keyframeMs;
    }
    const phases = [...s.phases];
    if (s.phase) phases.push({ ...s.phase, endMs: durationMs });
    const hash = createHash('sha256');
    // The same bytes as hashing JSON.stringify(events), fed in ~64 KB pieces (one update per event
    // cost more than the hashing at 20,000 units).
    let chunk = '[';
    for (let i = 0; i < this.events.length; i++) {
      chunk += (i ? ',' : '') + JSON.stringify(this.events[i]);
      if (chunk.length >= 65_536) {
        hash.update(chunk);
        chunk = '';
      }
    }
    hash.update(`${chunk}]`);
    const decisionPoints = this.decisionPoints();
    const losses: Record<SideId, SideLosses> = {};
    for (const side of this.world.sides) losses[side] = { ...(this.world.losses[side] ?? { ships: 0, stations: 0 }) };
    const objectives: Timeline['outcome']['objectives'] = {};
    for (const id of Object.keys(s.objectives)) objectives[id] = { label: s.objectives[id].label, status: s.objectives[id].status };
    return {
      battleId: meta.battleId,
      branchId: meta.branchId,
      parentBranchId: meta.parentBranchId,
      decisions: meta.decisions,
      seed: meta.seed,
      durationMs,
      events: this.events,
      eventsSha256: hash.digest('hex'),
      phases,
      decisionPoints,
      keyframeIntervalMs: this.keyframeMs,
      keyframes: this.keyframes,
      // Everyone who takes part on this branch (reinforcements and side changes included).
      forces: countForces(this.events, this.state.world.sides),
      outcome: {
        winner: s.ended?.winner ?? null,
        summary: s.ended?.summary ?? '',
        losses,
        facts: [...s.facts],
        objectives,
      },
      fork: meta.fork,
    };
  }
}

/**
 * A branch being compiled. Events with t <= compiledMs are final (the simulation never goes back), so a
 * caller may publish them while the rest is simulated. result() is the same CompiledBranch, byte for byte,
 * however the run was advanced.
 */
export class Compilation {
  private done: CompiledBranch | null = null;

  constructor(
    private readonly run: Run,
    readonly meta: Readonly<FinishMeta>,
  ) {}

  get events(): readonly BattleEvent[] {
    return this.run.events;
  }

  get keyframes(): readonly Keyframe[] {
    return this.run.keyframes;
  }

  /** Playback time up to which events are final. */
  get compiledMs(): number {
    return this.run.world.t;
  }

  get complete(): boolean {
    return this.run.over;
  }

  /** Simulate until compiledMs >= ms (or the end). Returns false once the run is over. */
  advanceTo(ms: number): boolean {
    return this.run.advance(ms);
  }

  partial(): { phases: PhaseSpan[]; decisionPoints: DecisionPointInfo[] } {
    return this.run.partial();
  }

  /**
   * The reducer's state after the first `seq` events, when that is the run's own fold (every event so far folded
   * now): else undefined. The run folds its events anyway (its keyframes), so a segment builder listing in step with
   * the compile takes its next start state from here instead of folding the same events a second time. Folding
   * earlier than the run would have changes no state (a fold is the same in any batches).
   */
  foldedTo(seq: number): WorldState | undefined {
    if (seq !== this.run.events.length) return undefined;
    this.run.foldNow();
    return this.run.state.fold;
  }

  /** Run to the end (if not there yet) and build the timeline; computed once. */
  result(): CompiledBranch {
    if (!this.done) {
      this.run.runToEnd();
      this.done = { timeline: this.run.finish(this.meta), checkpoints: this.run.checkpoints };
    }
    return this.done;
  }
}

/** Compile a battle from t=0 under the given decisions (default: history). */
export function compileBattle(def: BattleDefinition, opts: CompileOptions = {}): CompiledBranch {
  return startCompile(def, opts).result();
}

/** compileBattle in steps: the same run, advanced by the caller (see Compilation). */
export function startCompile(def: BattleDefinition, opts: CompileOptions = {}): Compilation {
  const seed = opts.seed ?? def.seed;
  const normalized = normalizeDecisions(def, opts.decisions ?? []);
  const world = createWorld(def, seed);
  const state: RunState = {
    world,
    phase: null,
    phases: [],
    facts: [],
    objectives: {},
    ended: null,
    reached: {},
    fold: emptyWorld(),
    nextKeyframeT: 0,
  };
  const run = new Run(def, state, normalized, [], [], keyframeIntervalFor(world.units.length));
  run.onTick = opts.onTick;
  // t=0: the opening order of battle and the planned fields, before the machine speaks.
  for (const u of world.units) run.emit({ type: 'unit:spawn', unit: publicUnitOf(u) });
  for (const f of world.fields) run.emit({ type: 'field', field: publicFieldOf(f) });
  run.start(undefined);
  run.settle();
  return new Compilation(run, {
    battleId: def.info.id,
    branchId: branchIdFor(def.info.id, seed, normalized),
    parentBranchId: opts.parentBranchId ?? null,
    decisions: normalized,
    seed,
    fork: null,
  });
}

/**
 * Compile a branch from the parent's checkpoint at `decisionId`, making `choice` there.
 * `allDecisions` is every non-historical choice of the new branch (the fork's included); choices for
 * decisions the parent already passed must match the parent's. The events before the choice are
 * the parent's own objects (same seqs); the result is identical to compiling from zero.
 */
export function resumeFromCheckpoint(
  def: BattleDefinition,
  parent: CompiledBranch,
  decisionId: string,
  choice: DecisionChoice,
  allDecisions: DecisionChoice[],
): CompiledBranch {
  return startFork(def, parent, decisionId, choice, allDecisions).result();
}

/** resumeFromCheckpoint in steps: a progressive fork publishes its events as the simulation advances. */
export function startFork(
  def: BattleDefinition,
  parent: CompiledBranch,
  decisionId: string,
  choice: DecisionChoice,
  allDecisions: DecisionChoice[],
): Compilation {
  const cp = parent.checkpoints[decisionId];
  if (!cp) {
    const reached = Object.keys(parent.checkpoints).sort().join(', ') || '(none)';
    throw new DecisionError(
      'NOT_REACHED',
      `Branch ${parent.timeline.branchId} never reached decision '${decisionId}'. Decisions reached: ${reached}`,
    );
  }
  const valid = validateChoice(def, { ...choice, decisionId });
  // The fork choice wins over whatever allDecisions says about this decision.
  const normalized = normalizeDecisions(def, [...allDecisions.filter((d) => d.decisionId !== decisionId), valid]);
  // Choices before the fork are baked into the shared prefix: they must be the parent's.
  // The resume copy first: its reached and keyframe time are the checkpoint's (without parsing a checkpoint kept as text).
  const resume = takeResume(cp);
  for (const [id, r] of Object.entries(resume.run.reached)) {
    if (id === decisionId || !r.chosen) continue;
    const spec = def.decisions.find((d) => d.id === id);
    const want = normalized.find((d) => d.decisionId === id) ?? (spec ? historicalChoice(spec) : null);
    if (!want || want.optionId !== r.chosen.optionId || want.value !== r.chosen.value) {
      throw new DecisionError(
        'NOT_REACHED',
        `Decision '${id}' was made before '${decisionId}' on branch ${parent.timeline.branchId} as ${r.chosen.optionId}; a fork there cannot change it`,
      );
    }
  }
  const seed = parent.timeline.seed;
  const run = new Run(
    def,
    resume.run,
    normalized,
    parent.timeline.events.slice(0, cp.seq),
    parent.timeline.keyframes.filter((k) => k.t < resume.run.nextKeyframeT),
    parent.timeline.keyframeIntervalMs,
  );
  // Parent checkpoints before this one stay valid for the child (same history up to here).
  for (const [id, c] of Object.entries(parent.checkpoints)) if (c.seq < cp.seq) run.checkpoints[id] = c;
  run.start(resume.machine);
  run.decide(decisionId, valid);
  run.settle();
  return new Compilation(run, {
    battleId: def.info.id,
    branchId: branchIdFor(def.info.id, seed, normalized),
    parentBranchId: parent.timeline.branchId,
    decisions: normalized,
    seed,
    fork: { decisionId, atMs: cp.t, seq: cp.pointSeq },
  });
}

// ---- resume states ------------------------------------------------------------------------------------
// A fork resumes a checkpoint on its own copy of the run state (the simulation mutates its world). At 20,000
// units that copy is most of a fork's time to its first segment, so a copy can be made ahead, when the
// compile thread is idle (prepareResume), and the next fork at that checkpoint takes it (takeResume). Either
// way the copy is the checkpoint's plain JSON copied structurally: the same state, byte for byte.

interface ResumeState {
  run: RunState;
  machine: unknown;
}

/** Copies made ahead, by checkpoint (a dropped branch takes its copies with it). */
const spares = new WeakMap<Checkpoint, ResumeState>();

/** The resume state around a copy of the checkpoint's run (fold is immutable, so shared, not copied). */
function resumeWith(cp: Checkpoint, runCopy: Omit<RunState, 'fold'>): ResumeState {
  const fold = unparsed.get(cp)?.fold ?? cp.run.fold;
  return { run: { ...runCopy, fold }, machine: cloneJson(cp.machine) };
}

function copyResume(cp: Checkpoint): ResumeState {
  const lazy = unparsed.get(cp);
  return resumeWith(cp, lazy ? (JSON.parse(lazy.text) as RunState) : cloneJson({ ...cp.run, fold: null }));
}

function takeResume(cp: Checkpoint): ResumeState {
  const spare = spares.get(cp);
  if (!spare) return copyResume(cp);
  spares.delete(cp);
  return spare;
}

/** Keeps a copy made ahead, with the id index the choice's orders look units up in built too. False if one was ready. */
function keepSpare(cp: Checkpoint, spare: ResumeState): boolean {
  unitIndex(spare.run.world);
  if (spares.has(cp)) return false;
  spares.set(cp, spare);
  return true;
}

/** Make the next fork at `cp` start without copying its world (idle time). False if a copy was ready already. */
export function prepareResume(cp: Checkpoint): boolean {
  return !spares.has(cp) && keepSpare(cp, copyResume(cp));
}

/**
 * prepareResume a slice at a time (idle time in a worker that also answers forks): `pause` is awaited between
 * slices of ~1,000 units and resolves false to give up (a fork is waiting: it copies its own world). Resolves true
 * when a copy was made, false when one was ready already or it gave up. The copy equals copyResume's.
 */
export async function prepareResumeInSlices(cp: Checkpoint, pause: () => Promise<boolean>): Promise<boolean> {
  if (spares.has(cp)) return false;
  // Kept as text: one parse is the copy (~100 ms at 22,000 units, not sliced); else a structural copy in slices.
  const lazy = unparsed.get(cp);
  const run = lazy ? (await pause()) && (JSON.parse(lazy.text) as RunState) : await cloneJsonInSlices({ ...cp.run, fold: null }, pause);
  if (!run || spares.has(cp) || !(await pause())) return false;
  const spare = resumeWith(cp, run);
  return (await pause()) && keepSpare(cp, spare);
}

/** Give up the copy made ahead at `cp` (memory pressure: the next fork there copies then). False if there was none. */
export function dropPreparedResume(cp: Checkpoint): boolean {
  return spares.delete(cp);
}

/** Whether a fork at `cp` would start on a copy made ahead (tests, metrics). */
export function hasPreparedResume(cp: Checkpoint): boolean {
  return spares.has(cp);
}
