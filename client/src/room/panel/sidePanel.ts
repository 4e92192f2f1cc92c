import { countUnit, type SideStrength, type WorldState } from '../../../../shared/battle/state.js';
import type { SideForces } from '../../../../shared/battle/timeline.js';
import type { SideInfo, Unit } from '../../../../shared/battle/types.js';
import type { Member } from '../../../../shared/protocol/events.js';
import { clear, el, setText } from '../../dom.js';
import { StrengthChart } from './strengthChart.js';

// The right-hand panel: tabs for the overview (presence, forces, strength chart) and two slots
// that other features fill (annotations, branches). Slots are plain containers: a feature module
// mounts into `panel.slot('annotations')`.

/** The forces' counts are refreshed at most this often (ms of wall time). */
const COUNT_EVERY_MS = 250;
/**
 * Units counted per frame: a bigger world is counted over a few frames. At 20,000 units one count walked every
 * unit object in one frame (10-30 ms of a frame's CPU at 16x, 4 times a second: the longest frames left once the
 * beams' raster left the main thread).
 */
const COUNT_PER_FRAME = 5_000;

/** A count under way: living ships and stations by side, by the same rule as strengthBySide (countUnit). */
interface Tally {
  units: readonly Unit[];
  next: number;
  bySide: Record<string, SideStrength>;
}

export type SlotName = 'annotations' | 'branches';

interface ForceRow {
  ships: HTMLElement;
  stations: HTMLElement;
  bar: HTMLElement;
}

export class SidePanel {
  readonly root: HTMLElement;
  readonly chart = new StrengthChart();
  private presence: HTMLElement;
  private forces: HTMLElement;
  private rows = new Map<string, ForceRow>();
  private slots = new Map<SlotName, HTMLElement>();
  private lastState: WorldState | null = null;
  /** When the forces were last counted (performance.now()). */
  private countedAt = -Infinity;
  /** A count under way (over a few frames in a big world). */
  private tally: Tally | null = null;
  private initial = new Map<string, number>();
  private overview: HTMLElement;

  constructor() {
    this.presence = el('ul', { class: 'presence', 'data-testid': 'presence' });
    this.forces = el('div', { class: 'forces', 'data-testid': 'forces' });
    const overview = el(
      'section',
      { class: 'tab-panel', 'data-tab': 'overview' },
      el('h3', { text: 'In the room' }),
      this.presence,
      el('h3', { text: 'Forces' }),
      this.forces,
      el('h3', { text: 'Strength over time' }),
      this.chart.canvas,
    );
    this.overview = overview;
    const panels: HTMLElement[] = [overview];
    for (const name of ['annotations', 'branches'] as const) {
      const slot = el(
        'section',
        { class: 'tab-panel slot', 'data-tab': name, 'data-slot': name, hidden: true },
        el('p', {
          class: 'slot-empty',
          text: name === 'annotations' ? 'Annotations will appear here.' : 'What-if branches will appear here.',
        }),
      );
      this.slots.set(name, slot);
      panels.push(slot);
    }
    const tabs = el('div', { class: 'tabs', role: 'tablist' });
    const labels: Record<string, string> = { overview: 'Overview', annotations: 'Annotations', branches: 'Branches' };
    for (const p of panels) {
      const name = p.dataset.tab ?? '';
      const btn = el('button', {
        type: 'button',
        role: 'tab',
        class: 'tab',
        'data-tab': name,
        'aria-selected': name === 'overview' ? 'true' : 'false',
        text: labels[name] ?? name,
      });
      btn.addEventListener('click', () => {
        for (const q of panels) q.hidden = q !== p;
        for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-selected', String(b === btn));
      });
      tabs.append(btn);
    }
    this.root = el('aside', { class: 'side-panel', 'data-testid': 'side-panel' }, tabs, ...panels);
  }

  slot(name: SlotName): HTMLElement {
    const s = this.slots.get(name);
    if (!s) throw new Error(`no slot ${name}`);
    return s;
  }

  setSides(sides: readonly SideInfo[], forces?: Record<string, SideForces>): void {
    clear(this.forces);
    this.rows.clear();
    for (const s of sides) {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = s.color;
      const ships = el('span', { class: 'count', 'data-side-ships': s.id, text: '0' });
      const stations = el('span', { class: 'count', 'data-side-stations': s.id, text: '0' });
      const bar = el('div', { class: 'bar-fill' });
      bar.style.background = s.color;
      const f = forces?.[s.id];
      // The bar measures against everything the side fields over the battle (late arrivals and turncoats too).
      if (f) this.initial.set(s.id, f.ships + f.stations + f.joined.ships + f.joined.stations);
      this.forces.append(
        el(
          'div',
          { class: 'force', 'data-side': s.id },
          el('div', { class: 'force-head' }, swatch, el('span', { class: 'side-name', text: s.name })),
          el('div', { class: 'force-counts' }, el('span', { text: 'Ships ' }), ships, el('span', { text: ' · Stations ' }), stations),
          el('div', { class: 'bar' }, bar),
          s.commanders.length ? el('div', { class: 'commanders', text: s.commanders.join(', ') }) : null,
        ),
      );
      this.rows.set(s.id, { ships, stations, bar });
    }
    this.lastState = null;
    this.tally = null;
  }

  setMembers(members: readonly Member[], youId: string | null): void {
    clear(this.presence);
    const order = { instructor: 0, player: 1, viewer: 2 } as const;
    const sorted = [...members].sort(
      (a, b) => Number(b.connected) - Number(a.connected) || order[a.role] - order[b.role] || a.name.localeCompare(b.name),
    );
    for (const m of sorted) {
      this.presence.append(
        el(
          'li',
          { class: `member ${m.connected ? 'online' : 'offline'}`, 'data-member': m.memberId },
          el('span', { class: 'dot', title: m.connected ? 'connected' : 'disconnected' }),
          el('span', { class: 'member-name', text: m.name + (m.memberId === youId ? ' (you)' : '') }),
          el('span', { class: `role role-${m.role}`, text: m.role }),
        ),
      );
    }
  }

  /**
   * `units`: the state's units as a list, if the caller keeps one (the tactical view does): Object.values of a
   * 20,000-key unit map is itself ~10 ms, so the room shares the view's list rather than making a second.
   */
  update(state: WorldState | null, positionMs: number, units?: readonly Unit[], now = performance.now()): void {
    // Counts change only when the folded state does, and a reader needs them a few times a second, not per frame:
    // at 20,000 units and 16x the state changes every frame, and a recount walks every unit (a few ms).
    if (state && !this.tally && state !== this.lastState && now - this.countedAt >= COUNT_EVERY_MS) {
      this.lastState = state;
      this.countedAt = now;
      this.tally = { units: units ?? Object.values(state.units), next: 0, bySide: {} };
    }
    const t = this.tally;
    if (t) {
      const end = Math.min(t.units.length, t.next + COUNT_PER_FRAME);
      for (let i = t.next; i < end; i++) countUnit(t.bySide, t.units[i]);
      t.next = end;
      if (end === t.units.length) {
        this.tally = null;
        this.showCounts(t);
      }
    }
    if (!this.overview.hidden) this.chart.draw(positionMs);
  }

  private showCounts(t: Tally): void {
    for (const [side, row] of this.rows) {
      const ships = t.bySide[side]?.ships ?? 0;
      const stations = t.bySide[side]?.stations ?? 0;
      setText(row.ships, String(ships));
      setText(row.stations, String(stations));
      const alive = ships + stations;
      const initial = Math.max(alive, this.initial.get(side) ?? alive, 1);
      if (!this.initial.has(side) && alive > 0) this.initial.set(side, alive);
      row.bar.style.width = `${((alive / initial) * 100).toFixed(1)}%`;
    }
  }
}
