import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { StudyStats } from '../../shared/protocol/events.js';
import { aggregate, mean, sampleOf, type RunSample } from '../study/core.js';
import {
  battles,
  getBattle,
  compileBattle,
  DecisionError,
  normalizeDecisions,
  parseChoice,
  type BattleDefinition,
} from '../../replays/index.js';

// npm run battle -- list | compile <battleId> [--decide d=o[:v]]... [--seed N] [--json]
//                 | study <battleId> --decide d=o[:v]... [--runs N] [--seed N]
// Bad input exits with code 2 and names the valid choices.

class UsageError extends Error {}

const USAGE = `usage:
  battle list
  battle compile <battleId> [--decide decisionId=optionId[:value]]... [--seed N] [--json]
  battle study <battleId> [--decide decisionId=optionId[:value]]... [--runs N] [--seed N]`;

function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function requireBattle(id: string | undefined): BattleDefinition {
  const valid = battles.map((b) => b.info.id).join(', ');
  if (!id) throw new UsageError(`missing <battleId>. Valid battles: ${valid}`);
  const def = getBattle(id);
  if (!def) throw new UsageError(`unknown battle '${id}'. Valid battles: ${valid}`);
  return def;
}

function parseSeed(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--seed must be an integer, got '${v}'`);
  return Number(v);
}

function parseDecisions(def: BattleDefinition, raw: string[] | undefined): DecisionChoice[] {
  const choices = (raw ?? []).map(parseChoice);
  return normalizeDecisions(def, choices);
}

export function summaryJson(tl: Timeline): object {
  return {
    battleId: tl.battleId,
    branchId: tl.branchId,
    durationMs: tl.durationMs,
    eventCount: tl.events.length,
    eventsSha256: tl.eventsSha256,
    phases: tl.phases.map((p) => ({ id: p.id, title: p.title, startMs: p.startMs, endMs: p.endMs })),
    decisionPoints: tl.decisionPoints.map((d) => ({
      id: d.id,
      title: d.title,
      atMs: d.atMs,
      options: d.options.map((o) => ({ id: o.id, label: o.label, historical: o.historical })),
    })),
    forces: tl.forces,
    outcome: { winner: tl.outcome.winner, summary: tl.outcome.summary, losses: tl.outcome.losses, facts: tl.outcome.facts },
  };
}

function cmdList(): void {
  for (const def of battles) {
    const t0 = performance.now();
    const tl = compileBattle(def).timeline;
    const ms = performance.now() - t0;
    console.log(`${def.info.id}  ${def.info.title}  (${def.info.year})`);
    console.log(`  duration ${fmtMs(tl.durationMs)}, ${tl.events.length} events, compiled in ${ms.toFixed(0)} ms`);
    console.log(`  phases: ${tl.phases.map((p) => p.id).join(' > ')}`);
    for (const d of def.decisions) {
      const opts = d.options
        .map((o) => `${o.id}${o.historical ? '*' : ''}${o.param ? `[${o.param.min}..${o.param.max}]` : ''}`)
        .join(' | ');
      console.log(`  decision ${d.id}: ${opts}`);
    }
  }
}

function cmdCompile(def: BattleDefinition, decisions: DecisionChoice[], seed: number, json: boolean): void {
  const t0 = performance.now();
  const tl = compileBattle(def, { decisions, seed }).timeline;
  const ms = performance.now() - t0;
  if (json) {
    process.stdout.write(JSON.stringify(summaryJson(tl)) + '\n');
    return;
  }
  console.log(`${def.info.title}  branch ${tl.branchId}  seed ${seed}`);
  console.log(
    `compiled in ${ms.toFixed(0)} ms: ${tl.events.length} events over ${fmtMs(tl.durationMs)}, sha256 ${tl.eventsSha256.slice(0, 16)}`,
  );
  console.log('forces (every unit that takes part; on the map at the start in brackets):');
  for (const [side, f] of Object.entries(tl.forces)) {
    const moved = [
      f.joined.ships + f.joined.stations ? `${f.joined.ships + f.joined.stations} joined from another side` : '',
      f.defected.ships + f.defected.stations ? `${f.defected.ships + f.defected.stations} went over` : '',
    ].filter(Boolean);
    console.log(
      `  ${side}: ${f.ships} ships (${f.atStart.ships}), ${f.stations} stations (${f.atStart.stations})${moved.length ? `; ${moved.join(', ')}` : ''}`,
    );
  }
  console.log('phases:');
  for (const p of tl.phases) console.log(`  ${fmtMs(p.startMs)}-${fmtMs(p.endMs)}  ${p.title} (${p.label})`);
  console.log('decisions:');
  for (const d of tl.decisionPoints) {
    const chosen = d.chosen ? `${d.chosen.optionId}${d.chosen.value !== undefined ? `:${d.chosen.value}` : ''}` : 'not reached';
    console.log(`  ${d.atMs === null ? '   -' : fmtMs(d.atMs)}  ${d.id}: ${chosen}`);
  }
  console.log(`outcome: ${tl.outcome.winner ?? 'no winner'} - ${tl.outcome.summary}`);
  for (const [side, l] of Object.entries(tl.outcome.losses)) console.log(`  ${side} lost ${l.ships} ships, ${l.stations} stations`);
  for (const f of tl.outcome.facts) console.log(`  - ${f}`);
}

function cmdStudy(def: BattleDefinition, decisions: DecisionChoice[], base: number, runs: number): void {
  const histSamples: RunSample[] = [];
  const branchSamples: RunSample[] = [];
  const ms = { hist: 0, branch: 0 };
  const bar = new cliProgress.SingleBar(
    { format: 'study [{bar}] {value}/{total} runs', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(runs, 0);
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    histSamples.push(sampleOf(compileBattle(def, { seed: base + i }).timeline.outcome));
    ms.hist += performance.now() - t0;
    t0 = performance.now();
    branchSamples.push(sampleOf(compileBattle(def, { seed: base + i, decisions }).timeline.outcome));
    ms.branch += performance.now() - t0;
    bar.increment();
  }
  bar.stop();
  const hist = aggregate(histSamples);
  const branch = aggregate(branchSamples);
  const label = decisions.map((d) => `${d.decisionId}=${d.optionId}${d.value !== undefined ? `:${d.value}` : ''}`).join(' ') || '(history)';
  console.log(`${def.info.title}: history vs branch ${label}, ${runs} seeds from ${base}`);
  const row = (name: string, h: string, b: string) =>
    console.log(`  ${(name.length > 56 ? name.slice(0, 53) + '...' : name).padEnd(56)} ${h.padStart(12)} ${b.padStart(12)}`);
  row('', 'history', 'branch');
  const winners = [...new Set([...Object.keys(hist.winners), ...Object.keys(branch.winners)])].sort();
  for (const w of winners) row(`winner ${w}`, `${hist.winners[w] ?? 0}/${runs}`, `${branch.winners[w] ?? 0}/${runs}`);
  for (const side of Object.keys(hist.losses).sort()) {
    const h = hist.losses[side];
    const b = branch.losses[side] ?? { ships: [], stations: [] };
    row(`mean ${side} ships lost`, mean(h.ships).toFixed(1), mean(b.ships).toFixed(1));
    if (mean(h.stations) || mean(b.stations)) row(`mean ${side} stations lost`, mean(h.stations).toFixed(1), mean(b.stations).toFixed(1));
  }
  const complete = (s: StudyStats, label: string) => s.objectives.filter((o) => o.label === label).reduce((n, o) => n + o.complete, 0);
  const objectives = [...new Set([...hist.objectives, ...branch.objectives].map((o) => o.label))].sort();
  for (const o of objectives) row(`${o}: complete`, `${complete(hist, o)}/${runs}`, `${complete(branch, o)}/${runs}`);
  const facts = [...new Set([...Object.keys(hist.facts), ...Object.keys(branch.facts)])].sort();
  for (const f of facts) row(f, `${hist.facts[f] ?? 0}/${runs}`, `${branch.facts[f] ?? 0}/${runs}`);
  row('mean compile ms', (ms.hist / runs).toFixed(0), (ms.branch / runs).toFixed(0));
}

const CLI_OPTIONS = {
  decide: { type: 'string', multiple: true },
  seed: { type: 'string' },
  runs: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function parseCli(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: CLI_OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function main(argv: string[]): void {
  const parsed = parseCli(argv);
  const [cmd, battleId] = parsed.positionals;
  const v = parsed.values;
  switch (cmd) {
    case 'list':
      cmdList();
      return;
    case 'compile': {
      const def = requireBattle(battleId);
      cmdCompile(def, parseDecisions(def, v.decide), parseSeed(v.seed, def.seed), v.json === true);
      return;
    }
    case 'study': {
      const def = requireBattle(battleId);
      const runs = v.runs === undefined ? 20 : Number(v.runs);
      if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new UsageError(`--runs must be an integer 1..1000, got '${v.runs}'`);
      cmdStudy(def, parseDecisions(def, v.decide), parseSeed(v.seed, def.seed), runs);
      return;
    }
    default:
      throw new UsageError(
        cmd ? `unknown command '${cmd}'. Commands: list, compile, study` : 'missing command. Commands: list, compile, study',
      );
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || err instanceof DecisionError) {
    process.stderr.write(`battle: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  throw err;
}
