import { createHash } from 'node:crypto';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { BattleDefinition, DecisionSpec } from './types.js';

// Validating and normalizing what-if choices. A branch is named by its normalized choices, so the
// same decisions, given in any order and with history-equal choices left in or out, name one branch.

export type DecisionErrorCode =
  | 'MALFORMED'
  | 'UNKNOWN_DECISION'
  | 'UNKNOWN_OPTION'
  | 'VALUE_REQUIRED'
  | 'VALUE_NOT_ALLOWED'
  | 'VALUE_OUT_OF_RANGE'
  | 'VALUE_OFF_STEP'
  | 'DUPLICATE_DECISION'
  | 'NOT_REACHED';

export class DecisionError extends Error {
  constructor(
    readonly code: DecisionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DecisionError';
  }
}

export function historicalChoice(spec: DecisionSpec): DecisionChoice {
  const opt = spec.options.find((o) => o.historical);
  if (!opt) throw new Error(`Decision '${spec.id}' has no historical option`);
  return opt.param ? { decisionId: spec.id, optionId: opt.id, value: opt.param.default } : { decisionId: spec.id, optionId: opt.id };
}

export function isHistorical(spec: DecisionSpec, choice: DecisionChoice): boolean {
  const h = historicalChoice(spec);
  return h.optionId === choice.optionId && h.value === choice.value;
}

function describeOptions(spec: DecisionSpec): string {
  return spec.options
    .map((o) => {
      const p = o.param ? ` (value ${o.param.min}..${o.param.max} step ${o.param.step} ${o.param.unit}, history ${o.param.default})` : '';
      return `${o.id}${o.historical ? ' [historical]' : ''}${p}`;
    })
    .join(', ');
}

/** Check one choice against the battle's decisions; throws DecisionError naming the valid choices. */
export function validateChoice(def: BattleDefinition, choice: DecisionChoice): DecisionChoice {
  const spec = def.decisions.find((d) => d.id === choice.decisionId);
  if (!spec) {
    const valid = def.decisions.map((d) => d.id).join(', ') || '(none)';
    throw new DecisionError(
      'UNKNOWN_DECISION',
      `Unknown decision '${choice.decisionId}' in battle ${def.info.id}. Valid decisions: ${valid}`,
    );
  }
  const opt = spec.options.find((o) => o.id === choice.optionId);
  if (!opt) {
    throw new DecisionError(
      'UNKNOWN_OPTION',
      `Unknown option '${choice.optionId}' for decision '${spec.id}'. Valid options: ${describeOptions(spec)}`,
    );
  }
  if (!opt.param) {
    if (choice.value !== undefined) {
      throw new DecisionError(
        'VALUE_NOT_ALLOWED',
        `Option '${opt.id}' of decision '${spec.id}' takes no value. Valid options: ${describeOptions(spec)}`,
      );
    }
    return { decisionId: spec.id, optionId: opt.id };
  }
  const p = opt.param;
  const range = `${p.min}..${p.max} in steps of ${p.step} ${p.unit} (history: ${p.default})`;
  if (choice.value === undefined || !Number.isFinite(choice.value)) {
    throw new DecisionError('VALUE_REQUIRED', `Option '${opt.id}' of decision '${spec.id}' needs a value (${p.label}): ${range}`);
  }
  if (choice.value < p.min || choice.value > p.max) {
    throw new DecisionError(
      'VALUE_OUT_OF_RANGE',
      `Value ${choice.value} for '${spec.id}=${opt.id}' is out of range: ${p.label} must be ${range}`,
    );
  }
  const k = (choice.value - p.min) / p.step;
  if (Math.abs(k - Math.round(k)) > 1e-9) {
    throw new DecisionError(
      'VALUE_OFF_STEP',
      `Value ${choice.value} for '${spec.id}=${opt.id}' is not on a step: ${p.label} must be ${range}`,
    );
  }
  return { decisionId: spec.id, optionId: opt.id, value: choice.value };
}

/** Validate, drop history-equal choices, sort by decisionId. */
export function normalizeDecisions(def: BattleDefinition, choices: readonly DecisionChoice[]): DecisionChoice[] {
  const seen = new Set<string>();
  const out: DecisionChoice[] = [];
  for (const c of choices) {
    if (seen.has(c.decisionId)) {
      throw new DecisionError('DUPLICATE_DECISION', `Decision '${c.decisionId}' is given more than once`);
    }
    seen.add(c.decisionId);
    const v = validateChoice(def, c);
    const spec = def.decisions.find((d) => d.id === v.decisionId);
    if (spec && isHistorical(spec, v)) continue;
    out.push(v);
  }
  return out.sort((a, b) => (a.decisionId < b.decisionId ? -1 : a.decisionId > b.decisionId ? 1 : 0));
}

/** Short stable id of a branch: 'b' + 16 hex of sha256(battle, seed, normalized decisions). */
export function branchIdFor(battleId: string, seed: number, normalized: readonly DecisionChoice[]): string {
  const key = JSON.stringify({
    battleId,
    seed,
    decisions: normalized.map((d) => (d.value === undefined ? [d.decisionId, d.optionId] : [d.decisionId, d.optionId, d.value])),
  });
  return 'b' + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Parse 'decisionId=optionId[:value]' (CLI form). */
export function parseChoice(text: string): DecisionChoice {
  const m = /^([^=\s]+)=([^:=\s]+)(?::(-?\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m) {
    throw new DecisionError('MALFORMED', `Malformed decision '${text}': expected decisionId=optionId or decisionId=optionId:value`);
  }
  return m[3] === undefined ? { decisionId: m[1], optionId: m[2] } : { decisionId: m[1], optionId: m[2], value: Number(m[3]) };
}
