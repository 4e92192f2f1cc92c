// `npm run bench`: performance figures for docs/benchmarks.md. Figures, not assertions: run on a quiet machine.
import { benchCluster, benchRedisMemory } from './cluster.js';
import { benchCardassia20k } from './cardassia20k.js';
import { benchCompile } from './compile.js';
import { benchFanout } from './fanout.js';
import { benchFlood } from './flood.js';
import { benchFrames, benchFramesRoom } from './frames20k.js';
import { benchReactions } from './reactions.js';
import { benchSim20k } from './sim20k.js';
import { benchJoinBytes } from './joinBytes.js';
import { benchForkSegments20k, benchForks } from './forks.js';
import { printRows, type Row } from './stats.js';
import { benchVotes } from './votes.js';

const rows: Row[] = [];
const only = process.argv[2];
if (!only || only === 'compile') rows.push(...benchCompile());
if (!only || only === 'fanout') for (const n of [50, 250]) rows.push(...(await benchFanout(n)));
if (!only || only === 'flood' || only === 'flood-quick') rows.push(...(await benchFlood(only === 'flood-quick')));
// `npm run bench -- reactions [viewers]` (quick: 200)
if (!only || only === 'reactions') rows.push(...(await benchReactions(Number(process.argv[3] ?? 1000))));
if (!only || only === 'votes') for (const n of [200, 1000]) rows.push(...(await benchVotes(n)));
if (only === 'scale') rows.push(...(await (await import('./scale.js')).benchScale(process.argv.includes('--quick'))));
if (only === 'redis')
  rows.push(
    ...(await (
      await import('./redisCommands.js')
    ).benchRedisCommands(Number(process.env.ROOMS ?? 1000), Number(process.env.WINDOW_MS ?? 10_000))),
  );
// Multi-process (issue #12): `npm run bench -- cluster` (add `quick` for a short run while tuning).
if (!only || only === 'cluster') rows.push(...(await benchRedisMemory()), ...(await benchCluster(process.argv[3] === 'quick')));
// Issue #14 at 20,000 units: `npm run bench -- sim20k-quick` (120 s of playback) and `npm run bench -- frames20k`.
if (!only || only === 'sim20k' || only === 'sim20k-quick') rows.push(...benchSim20k(only === 'sim20k-quick'));
// The Battle of Cardassia at the seed's scale: `npm run bench -- cardassia20k`.
if (!only || only === 'cardassia20k') rows.push(...benchCardassia20k());
if (!only || only === 'frames20k')
  rows.push(
    ...(await benchFrames([3521, 20000], 300)),
    ...(await benchFrames([20000], 300, 'stamp')),
    ...(await benchFrames([20000], 40, 'canvas')),
    ...(await benchFramesRoom()),
  );
if (!only || only === 'join') rows.push(...(await benchJoinBytes(process.argv.includes('--quick'))));
// `npm run bench -- forks [--quick]`: fork -> first frame (not in the default run: it compiles dozens of forks).
if (only === 'forks') rows.push(...(await benchForks(process.argv.includes('--quick'))));
// `npm run bench -- forks20k`: a fork's first segments (fork point, then 1, 2, 4 and 10 s) at 20,000 units.
if (only === 'forks20k') rows.push(...(await benchForkSegments20k()));
// `npm run bench -- forkload [--quick]`: many Cardassia forks from several playing rooms: RSS and loop lag.
// Imported only for its own mode (its server, not this process, gives Cardassia's quantity decision a finer step:
// forkloadVariant.ts).
if (only === 'forkload') rows.push(...(await (await import('./forkload.js')).benchForkLoad(process.argv.includes('--quick'))));
printRows(rows);
process.exit(0);
