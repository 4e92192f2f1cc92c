import { performance } from 'node:perf_hooks';
import { battles } from '../../replays/index.js';
import { compileBattle, resumeFromCheckpoint } from '../../server/engine/compiler.js';
import { historicalChoice } from '../../server/engine/decisions.js';
import type { DecisionSpec } from '../../server/engine/types.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { applyEvent } from '../../shared/battle/reducer.js';
import { stateAt } from '../../shared/battle/seek.js';
import { emptyWorld } from '../../shared/battle/state.js';
import { median, type Row } from './stats.js';

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
    rows.push({ bench: 'compile history', battle: id, value: compileMs, unit: 'ms', note: `${tl.events.length} events, ${(tl.durationMs / 60000).toFixed(1)} min playback, events JSON ${(jsonBytes / 1e6).toFixed(1)} MB` });

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
    rows.push({ bench: `fork at last decision (${last.id})`, battle: id, value: resumeMs, unit: 'ms', note: `from zero ${fullMs.toFixed(0)} ms: resume is ${(fullMs / Math.max(resumeMs, 0.01)).toFixed(1)}x faster` });

    // Seek: state at the play head from the nearest keyframe, early vs late in the timeline.
    const seekAt = (frac: number) => {
      const samples: number[] = [];
      for (let i = 0; i < 40; i++) {
        const ms = tl.durationMs * (frac + (i / 40) * 0.04);
        const s = performance.now();
        stateAt(tl.events, tl.keyframes, ms);
        samples.push(performance.now() - s);
      }
      return median(samples);
    };
    const early = seekAt(0.05);
    const late = seekAt(0.9);
    const s = performance.now();
    let st = emptyWorld();
    const end = tl.events.findIndex((e) => e.t > tl.durationMs * 0.9);
    for (let i = 0; i < (end < 0 ? tl.events.length : end); i++) st = applyEvent(st, tl.events[i]);
    const fromZero = performance.now() - s;
    rows.push({ bench: 'seek (keyframe + fold)', battle: id, value: late, unit: 'ms', note: `at 5%: ${early.toFixed(2)} ms, at 90%: ${late.toFixed(2)} ms (late/early ${(late / Math.max(early, 0.001)).toFixed(2)}); fold from zero to 90%: ${fromZero.toFixed(1)} ms` });
  }
  return rows;
}
