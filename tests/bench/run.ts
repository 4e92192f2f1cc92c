// `npm run bench`: performance figures for docs/benchmarks.md. Figures, not assertions: run on a quiet machine.
import { benchCompile } from './compile.js';
import { benchFanout } from './fanout.js';
import { benchJoinBytes } from './joinBytes.js';
import { benchForks } from './forks.js';
import { benchForkLoad } from './forkload.js';
import { printRows, type Row } from './stats.js';

const rows: Row[] = [];
const only = process.argv[2];
if (!only || only === 'compile') rows.push(...benchCompile());
if (!only || only === 'fanout') for (const n of [50, 250]) rows.push(...(await benchFanout(n)));
if (!only || only === 'join') rows.push(...(await benchJoinBytes(process.argv.includes('--quick'))));
// `npm run bench -- forks [--quick]`: fork -> first frame (not in the default run: it compiles dozens of forks).
if (only === 'forks') rows.push(...(await benchForks(process.argv.includes('--quick'))));
// `npm run bench -- forkload [--quick]`: many Cardassia forks from several playing rooms: RSS and loop lag.
if (only === 'forkload') rows.push(...(await benchForkLoad(process.argv.includes('--quick'))));
printRows(rows);
process.exit(0);
