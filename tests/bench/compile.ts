import { performance } from 'node:perf_hooks';
import { battles } from '../../replays/index.js';
import { compileBattle, resumeFromCheckpoint } from '../../replays/engine/compiler.js';
import { historicalChoice } from '../../replays/engine/decisions.js';
import type { DecisionSpec } from '../../replays/engine/types.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import { eventIndexAfter, stateAt } from '../../shared/battle/seek.js';
import { emptyWorld } from '../../shared/battle/state.js';
import type { Row } from './stats.js';

/** An alternative to history for a decision: another option, or the historical one with another value. */
function alternative(spec: DecisionSpec): DecisionChoice {
  const hist = historicalChoice(spec);
  const other = spec.options.find((o) => o.id !== hist.optionId);
  if (other) return { decisionId: spec.id, optionId: other.id, ...(other.param ? { value: other.param.default } : {}) };
  const p = spec.options[0].param!;
  return { decisionId: spec.id, optionId: hist.optionId, value: p.max };
}

export function benchCompile(): Row[] {
  const rows: Row[] = [];
  for (const def of battles) {
    const id = def.info.id;
    const t0 = performance.now();
    const hist = compileBattle(def);
    const compileMs = performance.now() - t0;
    const tl = hist.timeline;
    const jsonBytes = Buffer.byteLength(JSON.stringify(tl.events));
    rows.push({
      bench: 'compile history',
      battle: id,
      value: compileMs,
      unit: 'ms',
      note: `${tl.events.length} events, ${(tl.durationMs / 60000).toFixed(1)} min playback, events JSON ${(jsonBytes / 1e6).toFixed(1)} MB`,
    });

    // Fork at the LAST decision point: resume from the checkpoint vs compile the same decisions from zero.
    const reached = tl.decisionPoints.filter((d) => d.atMs !== null);
    const last = reached[reached.length - 1];
    const spec = def.decisions.find((d) => d.id === last.id)!;
    const choice = alternative(spec);
    const t1 = performance.now();
    resumeFromCheckpoint(def, hist, last.id, choice, [choice]);
    const resumeMs = performance.now() - t1;
    const t2 = performance.now();
    compileBattle(def, { decisions: [choice] });
    const fullMs = performance.now() - t2;
    rows.push({
      bench: `fork at last decision (${last.id})`,
      battle: id,
      value: resumeMs,
      unit: 'ms',
      note: `from zero ${fullMs.toFixed(0)} ms: resume is ${(fullMs / Math.max(resumeMs, 0.01)).toFixed(1)}x faster`,
    });

    // Seek: state at the play head from the nearest keyframe, by decile of the timeline (25 positions each).
    const deciles: number[] = [];
    for (let d = 0; d < 10; d++) {
      const samples: number[] = [];
      for (let k = 0; k < 25; k++) {
        const ms = tl.durationMs * (d / 10 + k / 250);
        const s0 = performance.now();
        stateAt(tl.events, tl.keyframes, ms);
        samples.push(performance.now() - s0);
      }
      deciles.push(samples.reduce((a, b) => a + b, 0) / samples.length);
    }
    const s1 = performance.now();
    applyEvents(emptyWorld(), tl.events.slice(0, eventIndexAfter(tl.events, tl.durationMs * 0.9)));
    const fromZero = performance.now() - s1;
    const worst = Math.max(...deciles);
    rows.push({
      bench: 'seek (keyframe + fold), worst decile mean',
      battle: id,
      value: worst,
      unit: 'ms',
      note: `first decile ${deciles[0].toFixed(2)} ms, last ${deciles[9].toFixed(2)} ms; no keyframes (batched fold from zero to 90%): ${fromZero.toFixed(1)} ms = ${(fromZero / Math.max(worst, 0.001)).toFixed(0)}x`,
    });
  }
  return rows;
}
