// `npm run bench`: performance figures for docs/benchmarks.md. Figures, not assertions: run on a quiet machine.
import { benchCompile } from './compile.js';
import { benchFanout } from './fanout.js';
import { benchJoinBytes } from './joinBytes.js';
import { printRows, type Row } from './stats.js';

const rows: Row[] = [];
const only = process.argv[2];
if (!only || only === 'compile') rows.push(...benchCompile());
if (!only || only === 'fanout') for (const n of [50, 250]) rows.push(...(await benchFanout(n)));
if (!only || only === 'join') rows.push(...(await benchJoinBytes(process.argv.includes('--quick'))));
printRows(rows);
process.exit(0);
