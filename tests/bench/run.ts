// `npm run bench`: performance figures for docs/benchmarks.md. Figures, not assertions: run on a quiet machine.
import { benchCompile } from './compile.js';
import { benchFanout } from './fanout.js';
import { benchFlood } from './flood.js';
import { benchFrames } from './frames20k.js';
import { benchSim20k } from './sim20k.js';
import { printRows, type Row } from './stats.js';
import { benchVotes } from './votes.js';

const rows: Row[] = [];
const only = process.argv[2];
if (!only || only === 'compile') rows.push(...benchCompile());
if (!only || only === 'fanout') for (const n of [50, 250]) rows.push(...(await benchFanout(n)));
if (!only || only === 'flood' || only === 'flood-quick') rows.push(...(await benchFlood(only === 'flood-quick')));
if (!only || only === 'votes') for (const n of [200, 1000]) rows.push(...(await benchVotes(n)));
if (!only || only === 'sim20k' || only === 'sim20k-quick') rows.push(...benchSim20k(only === 'sim20k-quick'));
if (!only || only === 'frames20k') rows.push(...(await benchFrames([3521, 20000], 120)), ...(await benchFrames([3521, 20000], 40, 'canvas')));
printRows(rows);
process.exit(0);
