import type { DecisionSpec } from '../engine/index.js';

// Decision points of the Battle of Cardassia. The historical option of each is what the seed
// (001_20da251821cb360a.txt) reports; the alternatives are simulated, never scripted.

export const FOUNDER_STRATEGY = 'founder-strategy';
export const LAKARIAN_CITY = 'lakarian-city';
export const FOUNDER_SURRENDER = 'founder-surrender';

/** Ships on the three forward lines at the start (1,200 + 900 + 900). */
export const FORWARD_SHIPS = 3000;

export const decisions: DecisionSpec[] = [
  {
    id: FOUNDER_STRATEGY,
    title: 'Withdraw to the pre-war borders?',
    prompt:
      'The Female Shapeshifter, with her forces stretched thin and harried by the rebellion, must choose: pull every ship back to a shorter perimeter around Cardassia, or hold the forward lines in Alliance space.',
    options: [
      { id: 'withdraw', label: 'Withdraw to the pre-war borders and fortify Cardassia', historical: true },
      {
        id: 'hold-forward',
        label: 'Hold the forward lines in Alliance space',
        historical: false,
        param: { label: 'Ships kept on the forward lines', min: 600, max: FORWARD_SHIPS, step: 300, default: FORWARD_SHIPS, unit: 'ships' },
      },
    ],
  },
  {
    id: LAKARIAN_CITY,
    title: 'Punish the uprising at Lakarian City?',
    prompt:
      'Rebels have cut the Dominion communications around Cardassia Prime. The Founder can make an example of Lakarian City, or spare it and keep the Cardassian fleets at their posts.',
    options: [
      { id: 'destroy', label: 'Destroy Lakarian City as a punishment', historical: true },
      { id: 'spare', label: 'Spare the city; keep the Cardassian fleets loyal', historical: false },
    ],
  },
  {
    id: FOUNDER_SURRENDER,
    title: "Accept Odo's plea?",
    prompt:
      'The Alliance has surrounded Cardassia Prime. Odo urges the Founder to end the war before the battle is joined; she can surrender, or order the defence fleet to fight to the end.',
    options: [
      { id: 'surrender', label: 'Surrender and end the war', historical: true },
      { id: 'fight', label: 'Fight to the end', historical: false },
    ],
  },
];
