import { assign, emit, enqueueActions, setup } from 'xstate';
import type { BattleCommand, MachineEvent } from '../engine/index.js';
import { FORWARD_SHIPS, FOUNDER_STRATEGY, FOUNDER_SURRENDER, LAKARIAN_CITY } from './decisions.js';
import * as orders from './orders.js';
import { emptyTally, foughtEnd, isDecided, surrenderEnd, tally, type Tally } from './outcome.js';

// The Battle of Cardassia as a flat XState machine: one state per phase, three decision states.
// Phase captions paraphrase seed 001_20da251821cb360a.txt; see notes.md for the mapping.

export interface CardassiaContext {
  /** The world as of the latest TICK (for end summaries emitted on timers). */
  last: Tally;
  /** The world when the full battle began (fight-to-the-end branch only). */
  fightStart: Tally | null;
  /** Ships the Founder keeps on the forward lines (null: she withdrew, as in history). */
  forwardHold: number | null;
  commsCut: boolean;
  switched: boolean;
}

/** Playback durations of the timed phases, ms. */
export const PHASE_MS = {
  stretchedThin: 30_000,
  withdrawal: 50_000,
  massing: 45_000,
  advance: 65_000,
  /** Fallback if the rebels fail to cut the communications. */
  spaceBattleMax: 110_000,
  lakarianCity: 20_000,
  cardassiansSwitch: 25_000,
  extermination: 45_000,
  cardassiansLoyal: 25_000,
  encirclement: 90_000,
  /** Into the encirclement: the far groups leave the wide arc and close the ring. */
  closeRing: 28_000,
  surrender: 30_000,
  finalBattleMax: 330_000,
} as const;

const phase = (phaseId: string, title: string, label: string, caption: string): BattleCommand => ({ type: 'phase', phaseId, title, label, caption });

const say = (...commands: BattleCommand[]) =>
  enqueueActions<CardassiaContext, MachineEvent, undefined, MachineEvent, never, never, never, never, BattleCommand>(({ enqueue }) => {
    for (const c of commands) enqueue.emit(c);
  });

const decided = (decisionId: string, optionId: string) => ({ event }: { event: MachineEvent }) =>
  event.type === 'DECIDE' && event.decisionId === decisionId && event.optionId === optionId;

export const machine = setup({
  types: {
    context: {} as CardassiaContext,
    events: {} as MachineEvent,
    emitted: {} as BattleCommand,
  },
  actions: {
    record: assign({ last: ({ event, context }) => (event.type === 'TICK' ? tally(event.facts) : context.last) }),
  },
}).createMachine({
  id: 'battle-of-cardassia',
  initial: 'stretchedThin',
  context: { last: emptyTally(), fightStart: null, forwardHold: null, commsCut: false, switched: false },
  // Every tick refreshes the remembered tally; states with their own TICK transitions record too.
  on: { TICK: { actions: 'record' } },
  states: {
    stretchedThin: {
      entry: say(
        phase(
          'stretched-thin',
          'Stretched thin',
          'Late 2375',
          'Dominion forces are spread along the Federation, Klingon and Romulan borders, harried by hit-and-run raids and by the Cardassian rebellion Damar leads at home.',
        ),
        ...orders.holdForward(),
      ),
      after: { [PHASE_MS.stretchedThin]: 'founderStrategy' },
    },

    founderStrategy: {
      tags: ['decision'],
      meta: { decisionId: FOUNDER_STRATEGY },
      on: {
        DECIDE: [
          { guard: decided(FOUNDER_STRATEGY, 'withdraw'), target: 'withdrawal' },
          {
            guard: decided(FOUNDER_STRATEGY, 'hold-forward'),
            target: 'holdLines',
            actions: assign({ forwardHold: ({ event }) => (event.type === 'DECIDE' ? (event.value ?? FORWARD_SHIPS) : FORWARD_SHIPS) }),
          },
        ],
      },
    },

    withdrawal: {
      entry: say(
        phase(
          'withdrawal',
          'Back to the pre-war borders',
          'Late 2375 · the withdrawal',
          'Betting that the Alliance lacks the resolve to invade Cardassian space, the Founder pulls every ship back behind the pre-war border: a shorter perimeter, shorter supply lines, time to rebuild.',
        ),
        ...orders.withdraw(),
      ),
      after: { [PHASE_MS.withdrawal]: 'massing' },
    },

    holdLines: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue.emit(
          phase(
            'hold-the-line',
            'Holding the forward lines',
            'Late 2375 · the forward lines',
            `The Founder refuses to give ground: ${context.forwardHold ?? FORWARD_SHIPS} ships stay on the forward lines in Alliance space while the rest fall back to Cardassia.`,
          ),
        );
        for (const c of orders.holdLines(context.forwardHold ?? FORWARD_SHIPS)) enqueue.emit(c);
      }),
      after: { [PHASE_MS.withdrawal]: 'massing' },
    },

    massing: {
      entry: say(
        phase(
          'massing',
          'The fleet masses at Deep Space 9',
          'Late 2375 · Deep Space 9',
          'Seeing the chance to finish the war, the Alliance gathers thousands of Federation, Klingon and Romulan starships at Deep Space 9.',
        ),
        ...orders.massAtDS9(),
      ),
      after: { [PHASE_MS.massing]: 'advance' },
    },

    advance: {
      entry: say(
        phase(
          'advance',
          'The advance on Cardassia',
          'Late 2375 · day 1',
          'The invasion fleet sets out in three columns and crosses into Cardassian space toward the homeworld.',
        ),
        ...orders.advance(),
      ),
      after: { [PHASE_MS.advance]: 'spaceBattle' },
    },

    spaceBattle: {
      entry: say(
        phase(
          'communications',
          'Rebels strike the communications net',
          'Late 2375 · day 3',
          "As the Alliance columns clash with the Dominion's outer lines, Cardassian rebels go after the communications installations that link Cardassia Prime to the Dominion fleet.",
        ),
        ...orders.spaceBattle(),
      ),
      on: {
        TICK: {
          guard: ({ event }) => event.type === 'TICK' && tally(event.facts).commsAlive === 0,
          target: 'lakarianDecision',
          actions: [
            'record',
            assign({ commsCut: true }),
            enqueueActions(({ context, enqueue }) => {
              enqueue.emit({ type: 'caption', text: 'The last relay falls: the Dominion forces around Cardassia are cut off from their fleet command.' });
              for (const c of orders.commsCut(context.forwardHold)) enqueue.emit(c);
            }),
          ],
        },
      },
      after: { [PHASE_MS.spaceBattleMax]: 'lakarianDecision' },
    },

    lakarianDecision: {
      tags: ['decision'],
      meta: { decisionId: LAKARIAN_CITY },
      on: {
        DECIDE: [
          { guard: decided(LAKARIAN_CITY, 'destroy'), target: 'lakarianCity' },
          { guard: decided(LAKARIAN_CITY, 'spare'), target: 'cardassiansLoyal' },
        ],
      },
    },

    lakarianCity: {
      entry: say(
        phase(
          'lakarian-city',
          'Lakarian City',
          'Late 2375 · day 3',
          "To punish the uprising, the Founder has the Jem'Hadar wipe out Lakarian City within moments: two million Cardassians die.",
        ),
        ...orders.lakarianStrike(),
      ),
      after: { [PHASE_MS.lakarianCity]: 'cardassiansSwitch' },
    },

    cardassiansSwitch: {
      entry: [
        assign({ switched: true }),
        say(
          phase(
            'cardassians-switch',
            'The Cardassians change sides',
            'Late 2375 · day 3',
            'The massacre backfires. Cardassian forces everywhere turn their guns on the Dominion and fight beside the Alliance.',
          ),
          ...orders.cardassiansSwitch(),
        ),
      ],
      after: { [PHASE_MS.cardassiansSwitch]: 'extermination' },
    },

    extermination: {
      entry: say(
        phase(
          'extermination',
          'Extermination order',
          'Late 2375 · day 4',
          "Enraged by the betrayal, the Founder orders the Jem'Hadar to kill every Cardassian; hundreds of millions will die before the war is over.",
        ),
        ...orders.extermination(),
      ),
      after: { [PHASE_MS.extermination]: 'encirclement' },
    },

    cardassiansLoyal: {
      entry: say(
        phase(
          'cardassians-loyal',
          'The city is spared',
          'Late 2375 · day 3',
          'Without a massacre to turn them, the Cardassian fleets stay at their posts under Dominion command.',
        ),
        { type: 'fact', text: 'Lakarian City was spared and the Cardassian fleets stayed loyal to the Dominion' },
      ),
      after: { [PHASE_MS.cardassiansLoyal]: 'encirclement' },
    },

    encirclement: {
      entry: say(
        phase(
          'encirclement',
          'Cardassia surrounded',
          'Late 2375 · day 5',
          'Though projected to lose over 40% of its ships, the Alliance presses on and surrounds the homeworld, facing the Dominion and Breen fleet, Cardassian stations and the orbital weapons platforms.',
        ),
        ...orders.coreReturn(),
        ...orders.encircle(),
      ),
      after: {
        // Second leg of the encirclement: a targetless delayed transition only runs its actions.
        [PHASE_MS.closeRing]: { actions: say(...orders.closeRing()) },
        [PHASE_MS.encirclement]: 'surrenderDecision',
      },
    },

    surrenderDecision: {
      tags: ['decision'],
      meta: { decisionId: FOUNDER_SURRENDER },
      on: {
        DECIDE: [
          { guard: decided(FOUNDER_SURRENDER, 'surrender'), target: 'surrender' },
          { guard: decided(FOUNDER_SURRENDER, 'fight'), target: 'finalBattle' },
        ],
      },
    },

    surrender: {
      entry: say(
        phase(
          'surrender',
          "Odo's plea",
          'Late 2375 · day 5',
          'Before the battle can be joined, Odo persuades the Founder to surrender. The guns fall silent and the Dominion War is over.',
        ),
        ...orders.surrender(),
      ),
      after: {
        [PHASE_MS.surrender]: { target: 'done', actions: emit(({ context }) => surrenderEnd(context.last)) },
      },
    },

    finalBattle: {
      entry: [
        assign({ fightStart: ({ context }) => context.last }),
        enqueueActions(({ context, enqueue }) => {
          enqueue.emit(
            phase(
              'final-battle',
              'To the last ship',
              'Late 2375 · day 5',
              'The Founder will not yield: the Jem\'Hadar, the Breen and the orbital platforms meet the encircling Alliance fleet in a battle fought to the end.',
            ),
          );
          for (const c of orders.finalBattle(context.switched, context.forwardHold)) enqueue.emit(c);
        }),
      ],
      on: {
        TICK: {
          guard: ({ context, event }) => event.type === 'TICK' && context.fightStart !== null && isDecided(context.fightStart, tally(event.facts)),
          target: 'done',
          actions: ['record', emit(({ context, event }) => foughtEnd(context.fightStart ?? emptyTally(), event.type === 'TICK' ? tally(event.facts) : context.last))],
        },
      },
      after: {
        [PHASE_MS.finalBattleMax]: { target: 'done', actions: emit(({ context }) => foughtEnd(context.fightStart ?? emptyTally(), context.last)) },
      },
    },

    done: { type: 'final' },
  },
});
