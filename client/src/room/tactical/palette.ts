import type { EffectKind, WeaponKind } from '../../../../shared/battle/types.js';

// Colours of the tactical view. Side colours come from the battle (BattleInfo.sides); the rest is here.

export const BG = '#05070d';
export const GRID = 'rgba(120, 150, 200, 0.06)';
export const FEATURE_STROKE = 'rgba(160, 190, 230, 0.55)';
export const FEATURE_LABEL = 'rgba(190, 210, 240, 0.8)';
export const UNIT_LABEL = 'rgba(230, 236, 245, 0.85)';
export const NEUTRAL_SIDE = '#9aa4b2';

export const WEAPON_COLOR: Record<WeaponKind, string> = {
  phaser: '#ff9a3c',
  disruptor: '#59e36b',
  polaron: '#b98cff',
  torpedo: '#ff4f4f',
  cannon: '#ffd84a',
  plasma: '#a6ff3f',
};

/** How long an effect stays visible, in wall-clock ms at 1x (scaled by the playback rate). */
export const EFFECT_MS: Record<EffectKind, number> = {
  explosion: 1400,
  strike: 900,
  'warp-in': 1200,
  'warp-out': 1200,
  'wormhole-open': 4000,
  'wormhole-blocked': 2500,
  'beam-down': 1500,
};

export const EFFECT_COLOR: Record<EffectKind, string> = {
  explosion: '#ffb347',
  strike: '#ffffff',
  'warp-in': '#8fd3ff',
  'warp-out': '#8fd3ff',
  'wormhole-open': '#bfe6ff',
  'wormhole-blocked': '#ff5a5a',
  'beam-down': '#f2e38a',
};

/** Beams stay on screen this long (wall-clock ms at 1x). */
export const BEAM_MS = 350;

/** "#rrggbb" -> "rgba(r,g,b,a)"; other CSS colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha.toFixed(3)})`;
}
