import { assertEvent, assign, emit, enqueueActions, type MachineContext, setup } from 'xstate';
import type { ObjectiveStatus, SideId } from '../../shared/battle/types.js';
import type { BattleCommand, Facts, MachineEvent, Order } from './types.js';

// The battle-authoring kit: every battle machine is built on battleSetup(), so the three machines
// share one style. The kit fixes the machine's types (context, MachineEvent in, BattleCommand out),
// provides the common actions and the `decided` guard, and small constructors that name them:
//
//   const s = battleSetup<Ctx>((context, facts, t) => ({ last: digest(facts) }))
//     .extend({ guards: { fieldActive: tickGuard((f) => f.fields.mines.active) }, delays: { opening: 30_000 } });
//   s.createMachine({ ..., states: { opening: { entry: [phase(...), order({...})], after: { opening: 'next' } } } });
//
// Battle-specific actions and guards go in `.extend({ actions, guards, delays })`; XState infers
// their types there, so no generic arguments are ever spelled out.

export interface PhaseParams {
  phaseId: string;
  title: string;
  label: string;
  caption: string;
}

export interface ObjectiveParams {
  id: string;
  label: string;
  side: SideId;
  status: ObjectiveStatus;
  progress?: number;
}

export interface DecidedParams {
  decisionId: string;
  optionId: string;
}

/** What the battle remembers from a TICK's facts (merged into its context by the `record` action). */
export type Recorder<Ctx> = (context: Ctx, facts: Facts, t: number) => Partial<Ctx>;

/**
 * setup() for a battle machine. `record` runs on every TICK (see `tick()` and the root `on.TICK`),
 * so the context always holds what the battle reads back from the latest facts.
 */
export function battleSetup<Ctx extends MachineContext>(record: Recorder<Ctx>) {
  return setup({
    types: { context: {} as Ctx, events: {} as MachineEvent, emitted: {} as BattleCommand },
    actions: {
      phase: emit((_, p: PhaseParams): BattleCommand => ({ type: 'phase', ...p })),
      order: emit((_, p: Order): BattleCommand => ({ type: 'order', order: p })),
      caption: emit((_, p: { text: string }): BattleCommand => ({ type: 'caption', text: p.text })),
      fact: emit((_, p: { text: string }): BattleCommand => ({ type: 'fact', text: p.text })),
      objective: emit((_, p: ObjectiveParams): BattleCommand => ({ type: 'objective', ...p })),
      /** Any other command (effects, the end): the parameter is the command itself. */
      command: emit((_, p: BattleCommand): BattleCommand => p),
      record: assign(({ context, event }) => {
        assertEvent(event, 'TICK');
        return record(context, event.facts, event.t);
      }),
    },
    guards: {
      decided: ({ event }, p: DecidedParams) =>
        event.type === 'DECIDE' && event.decisionId === p.decisionId && event.optionId === p.optionId,
    },
  });
}

// ---- constructors for the kit's actions and guards (plain data: no functions as parameters) ----

export const phase = (phaseId: string, title: string, label: string, caption: string) =>
  ({ type: 'phase', params: { phaseId, title, label, caption } }) as const;
export const order = (o: Order) => ({ type: 'order', params: o }) as const;
export const caption = (text: string) => ({ type: 'caption', params: { text } }) as const;
export const fact = (text: string) => ({ type: 'fact', params: { text } }) as const;
export const objective = (o: ObjectiveParams) => ({ type: 'objective', params: o }) as const;
export const command = (c: BattleCommand) => ({ type: 'command', params: c }) as const;
/** Guard: the DECIDE event chose `optionId` of `decisionId`. */
export const decided = (decisionId: string, optionId: string) => ({ type: 'decided', params: { decisionId, optionId } }) as const;

/**
 * An action emitting the commands `narrate` computes from the context (and event): for phases whose
 * captions and orders depend on what the simulation left standing. Register it under a name in
 * `.extend({ actions })`.
 */
export function emits<Ctx extends MachineContext>(narrate: (context: Ctx, event: MachineEvent) => readonly BattleCommand[]) {
  // The one place the generic arguments are spelled out, so that battles never have to.
  return enqueueActions<Ctx, MachineEvent, undefined, MachineEvent, never, never, never, never, BattleCommand>(
    ({ context, event, enqueue }) => {
      for (const c of narrate(context, event)) enqueue.emit(c);
    },
  );
}

/** A guard over the facts of a TICK (only used on TICK transitions). */
export const tickGuard =
  <Ctx = unknown>(pred: (facts: Facts, context: Ctx, t: number) => boolean) =>
  ({ context, event }: { context: Ctx; event: MachineEvent }): boolean => {
    assertEvent(event, 'TICK');
    return pred(event.facts, context, event.t);
  };

// ---- TICK transitions ----
//
// XState takes the deepest state's enabled transition for an event and skips its ancestors', so the
// root's `on: { TICK: { actions: 'record' } }` does not run when a phase's own TICK transition is taken.
// tick() adds 'record' to each such transition. Transitions shared by many phases (a named ship lost)
// belong on a parent state that groups those phases: they apply when none of the phase's own do.

type ActionList<A> = A extends readonly unknown[] ? A : [A] extends [undefined] ? [] : [A];
type Recorded<T> = Omit<T, 'actions'> & { actions: ['record', ...ActionList<T extends { actions: infer A } ? A : undefined>] };

export function tick<const T extends readonly { guard?: unknown; target?: string; actions?: unknown }[]>(
  ...transitions: T
): { -readonly [K in keyof T]: Recorded<T[K]> } {
  return transitions.map((t) => ({
    ...t,
    actions: ['record', ...(t.actions === undefined ? [] : Array.isArray(t.actions) ? t.actions : [t.actions])],
  })) as { -readonly [K in keyof T]: Recorded<T[K]> };
}
