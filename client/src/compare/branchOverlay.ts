import type { BattleInfo } from '../../../shared/battle/timeline.js';
import { clear, el, formatMs, setText } from '../dom.js';
import { TacticalView } from '../room/tactical/tacticalView.js';
import { unitPositionsAt } from '../room/testHooks.js';
import { RATES } from '../room/timeline/timelineBar.js';
import { at, describeChoice, outcomeText } from './describe.js';
import type { BranchManifest } from '../../../shared/battle/segments.js';
import { seedFork } from '../../lib/forkSeed.js';
import { SegmentWorld } from '../../lib/segmentWorld.js';
import { browserSegments } from '../segments/workerSegments.js';
import { LocalClock, type PositionSource } from './localClock.js';
import { outcomeRows } from './outcomeDiff.js';
import { firstDifferenceFromSegments } from './segmentDiff.js';
import './compare.css';

// A full-screen view of one branch (a private preview) or two side by side (compare), rendered in
// this page only: the room does not move. Each pane has its own tactical view (the room's renderer)
// over its branch's segments (a SegmentWorld, as the room page); ONE clock drives every pane, either the
// room's shared clock or a local play/pause clock, and a frame is drawn only once every pane holds the
// segment at its position, so both views always show the same moment. Compare panes are aligned on the
// fork point: both branches share every event before it, so at equal t they show the same world. The
// outcome diff comes from the two manifests and the segments around the fork (no whole branch download).

export interface PaneSpec {
  branchId: string;
  label: string;
}

export interface OverlayOptions {
  mode: 'preview' | 'compare';
  battle: BattleInfo;
  roomId: string;
  panes: PaneSpec[];
  /** The room's shared position (the "follow the room" clock). */
  room: PositionSource & { rate(): number };
  /** Where the branches part (compare) or the preview's fork point: the local clock starts there. */
  startMs?: number;
  /** The room's own world (the branch it shows): a pane on a fork of it makes its fork-point segment from it. */
  held?: () => SegmentWorld | null;
  onClose(): void;
}

interface Pane {
  spec: PaneSpec;
  view: TacticalView;
  world: SegmentWorld;
  manifest: BranchManifest | null;
  drawnAt: number;
  status: HTMLElement;
}

export interface PaneHook {
  branchId: string;
  /** Position this pane was last drawn at. */
  positionMs(): number;
  unitPositions(): Record<string, { x: number; y: number }>;
  /** Units alive (not destroyed) in the last drawn state. */
  liveUnits(): number;
  /** Playback time of the last event in the drawn state (null before the first frame). */
  worldT(): number | null;
  /** The branch's frontier as this page knows it (its latest manifest). */
  frontier(): { compiledMs: number; complete: boolean } | null;
}

export interface CompareHooks {
  mode: 'preview' | 'compare';
  readonly ready: boolean;
  readonly error: string | null;
  readonly clock: 'room' | 'local';
  positionMs(): number;
  forkMs: number | null;
  left: PaneHook;
  right: PaneHook | null;
  play(): void;
  pause(): void;
  seek(ms: number): void;
  useClock(c: 'room' | 'local'): void;
  close(): void;
}

declare global {
  interface Window {
    __wardroomCompare?: CompareHooks;
  }
}

export class BranchOverlay {
  readonly root: HTMLElement;
  private panes: Pane[];
  private local: LocalClock;
  private source: 'room' | 'local';
  private raf = 0;
  private closed = false;
  private ready = false;
  private error: string | null = null;
  private forkMs: number | null;
  private playBtn: HTMLButtonElement;
  private scrub: HTMLInputElement;
  private timeLabel: HTMLElement;
  private clockSel: HTMLSelectElement;
  private rateSel: HTMLSelectElement;
  private diffBox: HTMLElement;
  private lastPos = 0;

  constructor(private readonly o: OverlayOptions) {
    this.forkMs = o.startMs ?? null;
    this.local = new LocalClock(o.battle.durationMs, o.startMs ?? 0);
    // A preview follows the room by default (what would the room see now?); a compare gets its own clock.
    this.source = o.mode === 'preview' ? 'room' : 'local';
    this.panes = o.panes.map((spec, i) => {
      const view = new TacticalView();
      const world = new SegmentWorld(browserSegments(), o.battle.id, spec.branchId, {
        room: o.roomId,
        onSegment: (seg) => view.fx.add(seg.events),
      });
      view.fx.reset(spec.branchId);
      return {
        spec,
        view,
        world,
        manifest: null,
        drawnAt: 0,
        status: el('span', { class: 'pane-status', 'data-testid': `pane-status-${i}`, text: 'loading…' }),
      };
    });

    this.playBtn = el('button', { type: 'button', class: 'ctl play', 'data-testid': 'compare-play', text: '▶' });
    this.playBtn.addEventListener('click', () => (this.local.playing() ? this.pause() : this.play()));
    this.scrub = el('input', {
      type: 'range',
      min: 0,
      max: o.battle.durationMs,
      step: 100,
      value: o.startMs ?? 0,
      'data-testid': 'compare-scrub',
      'aria-label': 'Compare position',
    });
    this.scrub.addEventListener('input', () => this.seek(Number(this.scrub.value)));
    this.timeLabel = el('span', { class: 'time', 'data-testid': 'compare-time' });
    this.clockSel = el(
      'select',
      { 'data-testid': 'compare-clock', 'aria-label': 'Clock' },
      el('option', { value: 'local', text: 'Own clock' }),
      el('option', { value: 'room', text: "Room's clock" }),
    );
    this.clockSel.value = this.source;
    this.clockSel.addEventListener('change', () => this.useClock(this.clockSel.value === 'room' ? 'room' : 'local'));
    this.rateSel = el('select', { 'aria-label': 'Speed' });
    for (const r of RATES) this.rateSel.append(el('option', { value: r, text: `${r}×` }));
    this.rateSel.value = '1';
    this.rateSel.addEventListener('change', () => this.local.setRate(Number(this.rateSel.value)));
    const toFork = el('button', { type: 'button', 'data-testid': 'compare-to-fork', text: 'To the fork', hidden: this.forkMs === null });
    toFork.addEventListener('click', () => this.seek(Math.max(0, (this.forkMs ?? 0) - 2000)));
    const close = el('button', { type: 'button', class: 'close', 'data-testid': 'compare-close', 'aria-label': 'Close', text: '✕ Close' });
    close.addEventListener('click', () => this.close());

    const title =
      o.mode === 'preview'
        ? el(
            'h2',
            {},
            el('span', { class: 'preview-tag', 'data-testid': 'preview-label', text: 'Preview' }),
            ` ${o.panes[0].label}`,
            el('small', { text: ' — only you see this; the room stays where it is' }),
          )
        : el('h2', { text: 'Compare branches' });
    const grid = el('div', { class: `branch-panes panes-${this.panes.length}` });
    this.panes.forEach((p, i) => {
      grid.append(
        el(
          'div',
          { class: 'branch-pane', 'data-testid': `compare-pane-${i}`, 'data-branch-id': p.spec.branchId },
          el(
            'div',
            { class: 'pane-head' },
            o.mode === 'preview' ? el('span', { class: 'preview-tag small', text: 'preview' }) : null,
            el('strong', { text: p.spec.label }),
            p.status,
          ),
          p.view.root,
        ),
      );
      p.view.setBattle(o.battle);
    });
    this.diffBox = el('div', { class: 'compare-diff', 'data-testid': 'compare-diff', hidden: o.mode !== 'compare' });
    this.root = el(
      'div',
      {
        class: `branch-overlay mode-${o.mode}`,
        role: 'dialog',
        'aria-label': o.mode === 'preview' ? 'Branch preview' : 'Compare branches',
        'data-testid': o.mode === 'preview' ? 'preview-overlay' : 'compare-overlay',
      },
      el('header', { class: 'overlay-head' }, title, el('span', { class: 'spacer' }), close),
      grid,
      el('div', { class: 'controls compare-controls' }, this.clockSel, toFork, this.playBtn, this.rateSel, this.scrub, this.timeLabel),
      this.diffBox,
    );
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
    this.installHooks();
    void this.load();
    this.raf = requestAnimationFrame(this.frame);
  }

  private async load(): Promise<void> {
    try {
      const manifests = await Promise.all(this.panes.map((p) => p.world.loadManifest()));
      if (this.closed) return;
      for (const [i, m] of manifests.entries()) this.showManifest(this.panes[i], m);
      // A fork of the branch the room shows: its first frame from the segment the room holds (no fetch).
      const held = this.o.held?.();
      if (held) for (const p of this.panes) seedFork(p.world, held);
      const longest = Math.max(...manifests.map((m) => m.durationMs));
      this.local.setDuration(longest);
      this.scrub.max = String(longest);
      // The first frame: every pane's segment at the start position.
      await Promise.all(this.panes.map((p) => p.world.load(this.positionNow())));
      if (this.closed) return;
      this.ready = true;
      if (this.o.mode === 'compare' && manifests.length === 2) await this.renderDiff(manifests[0], manifests[1]);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      for (const p of this.panes) setText(p.status, this.error);
    }
  }

  /** Renders of the outcome table asked for: only the latest one's result is shown (they await segments). */
  private diffRenders = 0;

  private async renderDiff(a: BranchManifest, b: BranchManifest): Promise<void> {
    const render = ++this.diffRenders;
    const battle = this.o.battle;
    // Shared prefix: the two branches' events are the same up to the later fork seq.
    const shared = Math.min(a.fork?.seq ?? 0, b.fork?.seq ?? 0);
    const forkMs = Math.min(a.fork?.atMs ?? Infinity, b.fork?.atMs ?? Infinity);
    const first = await firstDifferenceFromSegments(
      battle,
      this.panes[0].world,
      this.panes[1].world,
      Number.isFinite(forkMs) ? forkMs : 0,
      shared,
    );
    if (this.closed || render !== this.diffRenders) return;
    const end = (m: BranchManifest) => ({
      outcome: m.outcome ?? { winner: null, summary: 'still compiling', losses: {}, facts: [], objectives: {} },
      durationMs: m.durationMs,
      compiling: !m.complete,
    });
    const diff = { rows: outcomeRows(battle, end(a), end(b)), first };
    clear(this.diffBox);
    const table = el(
      'table',
      { class: 'diff-table' },
      el(
        'thead',
        {},
        el('tr', {}, el('th', { text: '' }), el('th', { text: this.panes[0].spec.label }), el('th', { text: this.panes[1].spec.label })),
      ),
    );
    const body = el('tbody');
    for (const r of diff.rows)
      body.append(
        el(
          'tr',
          { class: r.pending ? 'pending' : r.same ? 'same' : 'differs', 'data-row': r.label },
          el('th', { text: r.label }),
          el('td', { text: r.left }),
          el('td', { text: r.right }),
        ),
      );
    if (diff.first) {
      const f = diff.first;
      const row = el(
        'tr',
        { class: 'differs first-diff', 'data-testid': 'first-difference' },
        el('th', { text: `First difference (${at(f.t)})` }),
        el('td', { text: f.left }),
        el('td', { text: f.right }),
      );
      row.addEventListener('click', () => this.seek(Math.max(0, f.t - 1000)));
      row.title = 'Go there';
      body.append(row);
    } else {
      body.append(
        el('tr', { class: 'same' }, el('th', { text: 'First difference' }), el('td', { text: 'none: identical events' }), el('td', {})),
      );
    }
    table.append(body);
    // Every decision of each side (a nested branch carries its parent's too), then its outcome in words.
    const choices = (m: BranchManifest) =>
      m.decisions.length ? m.decisions.map((d) => describeChoice(battle, d)).join('; ') : 'every decision as it happened';
    const side = (m: BranchManifest) =>
      el('span', {
        text: m.outcome ? `${choices(m)} — ${outcomeText(battle, m.outcome)}. ${m.outcome.summary}` : `${choices(m)} — still compiling`,
      });
    this.diffBox.append(el('div', { class: 'diff-choices' }, side(a), side(b)), table);
    this.diffBox.hidden = false;
  }

  private positionNow(): number {
    return this.source === 'room' ? this.o.room.positionNow() : this.local.positionNow();
  }

  private frame = (): void => {
    if (this.closed) return;
    // ONE position per frame for every pane: the panes cannot drift apart.
    const pos = this.positionNow();
    this.lastPos = pos;
    const rate = this.source === 'room' ? this.o.room.rate() : this.local.rate;
    this.followFrontier();
    const playing = this.source === 'room' ? this.o.room.playing() : this.local.playing();
    const states = this.panes.map((p) => p.world.stateAt(pos, { playing, rate }));
    // Draw only when every pane answers for this very position (not a last frame kept while a segment loads).
    if (this.panes.every((p) => p.world.covers(pos))) {
      this.panes.forEach((p, i) => {
        p.view.draw({ state: states[i], positionMs: pos, rate });
        p.drawnAt = pos;
      });
    }
    setText(this.playBtn, playing ? '❚❚' : '▶');
    this.playBtn.disabled = this.source === 'room';
    this.scrub.disabled = this.source === 'room';
    this.rateSel.disabled = this.source === 'room';
    if (document.activeElement !== this.scrub) this.scrub.value = String(Math.round(pos));
    const fork = this.forkMs === null ? '' : pos < this.forkMs ? ` · ${formatMs(this.forkMs - pos)} before the fork` : ' · after the fork';
    setText(this.timeLabel, `${formatMs(pos)} / ${formatMs(Number(this.scrub.max))}${fork}`);
    this.raf = requestAnimationFrame(this.frame);
  };

  private showManifest(p: Pane, m: BranchManifest): void {
    p.manifest = m;
    const events = m.segments.reduce((n, s) => n + s.eventCount, 0);
    setText(p.status, `${events.toLocaleString()} events · ${formatMs(m.durationMs)}${m.complete ? '' : ' so far (compiling)'}`);
  }

  /**
   * A compiling branch grows: the own clock's end follows its frontier (it waits there, then goes on), its pane's
   * status follows its manifest, and once it is complete the outcome table is made again with its outcome.
   */
  private followFrontier(): void {
    if (!this.ready) return;
    let completed = false;
    for (const p of this.panes) {
      const m = p.world.manifest;
      if (!m || m === p.manifest) continue;
      completed ||= m.complete && !p.manifest?.complete;
      this.showManifest(p, m);
    }
    const [a, b] = completed && this.o.mode === 'compare' ? this.panes.map((p) => p.manifest) : [];
    if (a && b)
      this.renderDiff(a, b).catch((err: Error) => {
        // The table made when the view opened stays; say why it did not fill in.
        for (const p of this.panes) setText(p.status, `outcome not loaded: ${err.message}`);
      });
    const known = Math.max(...this.panes.map((p) => p.world.manifest?.durationMs ?? 0));
    if (known > this.local.durationMs) {
      this.local.setDuration(known);
      this.scrub.max = String(known);
    }
  }

  play(): void {
    this.useClock('local');
    this.local.play();
  }

  pause(): void {
    this.useClock('local');
    this.local.pause();
  }

  seek(ms: number): void {
    this.useClock('local');
    this.local.seek(ms);
  }

  useClock(c: 'room' | 'local'): void {
    if (c === this.source) return;
    // Taking over from the room: start the own clock where the room is, paused.
    if (c === 'local') {
      this.local.seek(this.o.room.positionNow());
      this.local.pause();
    }
    this.source = c;
    this.clockSel.value = c;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    cancelAnimationFrame(this.raf);
    for (const p of this.panes) p.world.dispose();
    this.root.remove();
    if (window.__wardroomCompare?.mode === this.o.mode) delete window.__wardroomCompare;
    this.o.onClose();
  }

  private installHooks(): void {
    const pane = (p: Pane): PaneHook => ({
      branchId: p.spec.branchId,
      positionMs: () => p.drawnAt,
      unitPositions: () => unitPositionsAt(p.view.state, p.drawnAt),
      liveUnits: () => Object.values(p.view.state?.units ?? {}).filter((u) => u.status !== 'destroyed').length,
      worldT: () => p.view.state?.t ?? null,
      frontier: () => {
        const m = p.world.manifest;
        return m ? { compiledMs: m.compiledMs, complete: m.complete } : null;
      },
    });
    const self = this;
    window.__wardroomCompare = {
      mode: this.o.mode,
      get ready() {
        return self.ready;
      },
      get error() {
        return self.error;
      },
      get clock() {
        return self.source;
      },
      positionMs: () => self.lastPos,
      forkMs: this.forkMs,
      left: pane(this.panes[0]),
      right: this.panes[1] ? pane(this.panes[1]) : null,
      play: () => self.play(),
      pause: () => self.pause(),
      seek: (ms) => self.seek(ms),
      useClock: (c) => self.useClock(c),
      close: () => self.close(),
    };
  }
}
