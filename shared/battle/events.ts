import type { DecisionChoice, EffectKind, Field, Objective, ShieldSection, SideId, Unit, UnitStatus, Vec2, WeaponKind } from './types.js';

// The union of battle events. Every event is stamped {seq, t} by the compiler: seq is its index
// in the timeline, t the playback time in ms. Events describe changes; the reducer folds them.
export type BattleEventBody =
  | { type: 'unit:spawn'; unit: Unit }
  /** Course change: position at t plus the new velocity (clients dead-reckon between events). */
  | { type: 'unit:move'; id: string; pos: Vec2; vel: Vec2; heading: number }
  /** A shot. Carries the target's resulting shields/hull so one event covers fire and damage. */
  | {
      type: 'unit:fire';
      from: string;
      to: string;
      weapon: WeaponKind;
      hit: boolean;
      shields: number;
      hull: number;
      section?: { id: string; shields: number };
    }
  /**
   * Every shot of one simulation step, columnar (battles that opt in: BattleDefinition.volleys; see
   * shared/battle/volley.ts). Shot k: ids[from[k]] fires weapons[weapon[k]] at ids[to[k]], hit[k] 1 or 0. Then
   * each unit shot at, once: ids[targets[j]] is left with shields[j] and hull[j] (and `sections`: a station
   * section's shields, when fire was focused on it). Folding it equals folding the same shots as `unit:fire`.
   */
  | {
      type: 'unit:volley';
      ids: string[];
      weapons: WeaponKind[];
      from: number[];
      to: number[];
      weapon: number[];
      hit: number[];
      targets: number[];
      shields: number[];
      hull: number[];
      sections?: { target: number; id: string; shields: number }[];
    }
  | { type: 'unit:status'; id: string; status: UnitStatus; reason?: string }
  /** Units that change sides (e.g. Cardassian forces joining the Alliance). */
  | { type: 'unit:side'; ids: string[]; side: SideId }
  | { type: 'unit:sections'; id: string; sections: ShieldSection[] }
  | { type: 'phase:start'; phaseId: string; title: string; label: string; caption: string }
  | { type: 'phase:end'; phaseId: string }
  | { type: 'caption'; text: string }
  | { type: 'decision:point'; decisionId: string; title: string }
  | ({ type: 'decision:made'; historical: boolean } & DecisionChoice)
  | { type: 'objective'; objective: Objective }
  | { type: 'field'; field: Field }
  | { type: 'effect'; kind: EffectKind; pos: Vec2; radius: number; label?: string }
  | { type: 'battle:end'; winner: SideId | null; summary: string };

export type BattleEvent = BattleEventBody & { seq: number; t: number };

export type BattleEventType = BattleEvent['type'];
