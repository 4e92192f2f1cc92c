import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { battle } from '../../replays/battle-of-cardassia/index.js';
import { compileBattle, startFork } from '../../replays/engine/compiler.js';
import { eventIndexAfter, stateAt } from '../../shared/battle/seek.js';
import { DEFAULT_SEGMENT_MS, packWorld, plannedSegmentEnd, segmentEnd } from '../../shared/battle/segments.js';

// Where a Cardassia fork's publish time goes, segment by segment: (CPU ms of this process) simulate, start state (stateAt), pack, stringify,
// hash, gzip 6, brotli 5. `npx tsx tests/bench/publishProfile.ts [decisionId optionId [value]]`.

const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const hist = compileBattle(battle);
const [decisionId = 'founder-strategy', optionId = 'hold-forward', value = '1800'] = process.argv.slice(2);
const choice = { decisionId, optionId, ...(value ? { value: Number(value) } : {}) };
const c = startFork(battle, hist, decisionId, choice, [choice]);
let start = c.compiledMs;
const rows: string[] = [];
for (;;) {
  const target = plannedSegmentEnd(c.events, start, DEFAULT_SEGMENT_MS);
  let t = cpu();
  const c0 = cpu();
  const w0 = performance.now();
  const more = c.advanceTo(target);
  const sim = cpu() - t;
  const end = segmentEnd(c.events, start, DEFAULT_SEGMENT_MS, more ? c.compiledMs : Infinity);
  if (end === null) continue;
  t = cpu();
  const st = stateAt(c.events, c.keyframes, start);
  const tState = cpu() - t;
  t = cpu();
  const packed = packWorld(st);
  const tPack = cpu() - t;
  const events = c.events.slice(st.nextSeq, eventIndexAfter(c.events, end));
  t = cpu();
  const startJson = JSON.stringify(packed);
  const tStart = cpu() - t;
  t = cpu();
  const evJson = JSON.stringify(events);
  const tEv = cpu() - t;
  const json = Buffer.from(`{"start":${startJson},"events":${evJson}}`);
  t = cpu();
  createHash('sha256').update(json).digest('hex');
  const tHash = cpu() - t;
  t = cpu();
  const gz = gzipSync(json, { level: 6 });
  const tGz = cpu() - t;
  t = cpu();
  const br = brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: json.length } });
  const tBr = cpu() - t;
  const dur = end - start;
  const main = sim + tState + tPack + tStart + tEv + tHash;
  rows.push(
    `${(start / 1000).toFixed(0).padStart(4)}-${(end / 1000).toFixed(0).padStart(4)} s: sim ${sim.toFixed(0)} stateAt ${tState.toFixed(0)} pack ${tPack.toFixed(0)} ` +
      `startJSON ${tStart.toFixed(0)} (${(startJson.length / 1e6).toFixed(1)} MB) eventsJSON ${tEv.toFixed(0)} (${(evJson.length / 1e6).toFixed(1)} MB, ${events.length} ev) hash ${tHash.toFixed(0)} ` +
      `| gzip6 ${tGz.toFixed(0)} (${(gz.length / 1e3).toFixed(0)} KB) br5 ${tBr.toFixed(0)} (${(br.length / 1e3).toFixed(0)} KB) | main ${main.toFixed(0)} ms = ${(dur / main).toFixed(1)}x; wall ${(performance.now() - w0).toFixed(0)}`,
  );
  console.log(rows.at(-1));
  start = end;
  if (!more && start >= c.compiledMs) break;
}
