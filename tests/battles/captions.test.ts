import { describe, expect, it } from 'vitest';
import { compileBattle } from '../../replays/engine/compiler.js';
import type { BattleDefinition } from '../../replays/engine/index.js';
import { battles } from '../../replays/index.js';
import type { Timeline } from '../../shared/battle/timeline.js';

// Every caption of every battle is on screen for at least 3 s of playback at 1x. The screen shows
// one line (the room's timeline bar): the caption of the latest phase:start or caption event, and
// the summary once the battle has ended. History of every battle, plus every one-decision branch
// of the battles that compile in well under a second.

const MIN_VISIBLE_MS = 3000;
const QUICK = new Set(['battle-of-terok-nor', 'second-battle-of-deep-space-9']);

/**
 * How long each caption is on screen. A caption cut short by a phase is merged into that phase's
 * caption (replays/engine/captions.ts): it stays on screen as the start of the new line.
 */
function captionScreenTimes(tl: Timeline): { text: string; t: number; ms: number }[] {
  const shown: { text: string; t: number; ms: number }[] = [];
  let onLine: { text: string; t: number; ms: number }[] = [];
  const close = (t: number) => {
    for (const c of onLine) c.ms = t - c.t;
  };
  let end = tl.durationMs;
  for (const ev of tl.events) {
    if (ev.type === 'battle:end') {
      end = ev.t;
      break;
    }
    const text = ev.type === 'phase:start' ? ev.caption : ev.type === 'caption' ? ev.text : null;
    if (text === null) continue;
    const entry = { text, t: ev.t, ms: 0 };
    const prev = onLine.at(-1);
    if (prev && text.startsWith(`${prev.text} `)) onLine.push(entry);
    else {
      close(ev.t);
      onLine = [entry];
    }
    shown.push(entry);
  }
  close(end);
  return shown;
}

type Variant = { label: string; decisions: { decisionId: string; optionId: string; value?: number }[] };

function variants(def: BattleDefinition): Variant[] {
  const out: Variant[] = [{ label: 'history', decisions: [] }];
  if (!QUICK.has(def.info.id)) return out;
  for (const d of def.decisions) {
    for (const o of d.options) {
      if (o.historical && !o.param) continue;
      const value = o.param ? (o.historical ? o.param.min : o.param.default) : undefined;
      const choice = { decisionId: d.id, optionId: o.id, ...(value === undefined ? {} : { value }) };
      out.push({ label: `${d.id}=${o.id}${value === undefined ? '' : `:${value}`}`, decisions: [choice] });
    }
  }
  return out;
}

describe('caption screen time', () => {
  for (const def of battles) {
    for (const v of variants(def)) {
      it(`${def.info.id} ${v.label}: every caption shows for >= 3 s`, { timeout: 600_000 }, () => {
        const tl = compileBattle(def, { decisions: v.decisions }).timeline;
        const short = captionScreenTimes(tl)
          .filter((c) => c.ms < MIN_VISIBLE_MS)
          .map((c) => `${(c.t / 1000).toFixed(1)}s ${c.ms}ms: ${c.text.slice(0, 60)}`);
        expect(short).toEqual([]);
      });
    }
  }
});
