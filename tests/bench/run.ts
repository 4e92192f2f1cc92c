// `npm run bench`: performance figures for docs/benchmarks.md. Figures, not assertions: run on a quiet machine.
import { benchCompile } from './compile.js';
import { benchFanout } from './fanout.js';
import { benchFlood } from './flood.js';
import { printRows, type Row } from './stats.js';
import { benchVotes } from './votes.js';

const rows: Row[] = [];
const only = process.argv[2];
if (!only || only === 'compile') rows.push(...benchCompile());
if (!only || only === 'fanout') for (const n of [50, 250]) rows.push(...(await benchFanout(n)));
if (!only || only === 'flood' || only === 'flood-quick') rows.push(...(await benchFlood(only === 'flood-quick')));
if (!only || only === 'votes') for (const n of [200, 1000]) rows.push(...(await benchVotes(n)));
if (only === 'scale') rows.push(...(await (await import('./scale.js')).benchScale(process.argv.includes('--quick'))));
if (only === 'redis') rows.push(...(await (await import('./redisCommands.js')).benchRedisCommands(Number(process.env.ROOMS ?? 1000), Number(process.env.WINDOW_MS ?? 10_000))));
printRows(rows);
process.exit(0);
