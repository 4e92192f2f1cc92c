import type { BattleInfo } from '../../../../shared/battle/timeline.js';
import type { BranchTree, BranchTreeNode } from '../../../../shared/protocol/events.js';
import { BranchOverlay, type PaneSpec } from '../../compare/branchOverlay.js';
import { describeChoice } from '../../compare/describe.js';
import { clear } from '../../dom.js';
import { getBranchTree } from '../../api.js';
import type { RoomContext } from '../context.js';
import { permissions } from '../roomHandle.js';
import { mountStudy } from '../study/mountStudy.js';
import { mountVotes } from '../votes/mountVotes.js';
import { branchLabel, BranchesPanel } from './branchesPanel.js';
import './branches.css';

// Wires the Branches tab into a room page: keeps the branch tree fresh (GET /api/rooms/:id/branches
// on mount, on branch:created and on a branch switch), sends fork/switch over the room's socket,
// opens the private preview and the compare view, and opens the tab at a decision when its marker
// on the scrubber is clicked. Deep link: /room/:id?compare=A,B opens the compare view of A and B.

export interface BranchesHooks {
  tree(): BranchTree | null;
  refresh(): Promise<BranchTree | null>;
  /** Ids of this page's forks still compiling (previewable, not yet in the tree). */
  pending(): string[];
  preview(branchId: string): void;
  compare(a: string, b: string): void;
}

declare global {
  interface Window {
    __wardroomBranches?: BranchesHooks;
  }
}

export function mountBranches(ctx: RoomContext): void {
  const { room } = ctx;
  const roomId = room.roomId;
  let tree: BranchTree | null = null;
  let overlay: BranchOverlay | null = null;
  let loading: Promise<BranchTree | null> | null = null;
  let again = false;
  /** Forks still compiling (acked, not yet in the tree): previewable already, from their segments. */
  const pending = new Map<string, BranchTreeNode>();

  const panel = new BranchesPanel({
    fork: async (choice) => {
      panel.flash(`Compiling the what-if: ${describeChoice(ctx.battle(), choice)}…`);
      const r = await room.fork(choice);
      if (!r.ok) throw new Error(r.error.message);
      if (r.branch.complete === false) {
        pending.set(r.branch.branchId, { ...r.branch, history: false, depth: 1, children: [], decisionPoints: [] });
        panel.flash(
          `Compiling the what-if: ${branchLabel(ctx.battle(), { history: false, fork: r.branch.fork, decisions: r.branch.decisions })}. It plays as it compiles.`,
        );
        return;
      }
      await refresh();
      const known = tree?.branches.find((b) => b.branchId === r.branch.branchId);
      panel.flash(
        known?.history
          ? 'That is what happened: the branch is history itself.'
          : `Branch ready: ${branchLabel(ctx.battle(), { history: false, fork: r.branch.fork, decisions: r.branch.decisions })}. Preview it, or the instructor can switch the room to it.`,
      );
    },
    switchTo: async (branchId) => {
      const r = await room.switchBranch(branchId);
      if (!r.ok) throw new Error(r.error.message);
      await refresh();
      panel.flash('The room switched branch.');
    },
    preview: (node) => openOverlay('preview', [node]),
    compare: (a, b) => openOverlay('compare', [a, b]),
  });

  const slot = ctx.side.slot('branches');
  clear(slot);
  slot.append(panel.root);
  // Group vote and what-if statistics (client/src/room/votes, client/src/room/study) under the tree.
  const votes = mountVotes(ctx, () => void refresh());
  const study = mountStudy(ctx);
  slot.append(votes.root, study.root);

  const render = (): void => {
    panel.render({ battle: ctx.battle(), tree, may: permissions(room) });
    votes.refresh(tree?.branches.find((b) => b.branchId === tree?.currentBranchId)?.decisionPoints ?? []);
    study.refresh();
  };

  async function load(): Promise<BranchTree | null> {
    return getBranchTree(roomId);
  }

  /** Fetch the tree; concurrent calls share one request, and a call during a request runs once after it. */
  function refresh(): Promise<BranchTree | null> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = load()
      .then((t) => {
        tree = t;
        for (const b of t?.branches ?? []) pending.delete(b.branchId);
        render();
        return t;
      })
      .catch((err: Error) => {
        panel.flash(`Could not load the branches: ${err.message}`, true);
        return tree;
      })
      .finally(() => {
        loading = null;
        if (again) {
          again = false;
          void refresh();
        }
      });
    return loading;
  }

  function paneSpec(node: BranchTreeNode): PaneSpec {
    return { branchId: node.branchId, label: branchLabel(ctx.battle(), node) };
  }

  function openOverlay(mode: 'preview' | 'compare', nodes: BranchTreeNode[]): void {
    const battle = ctx.battle();
    if (!battle) return;
    overlay?.close();
    // Aligned on the fork point: the later of the two branches' own forks is where they part.
    const forks = nodes.map((n) => n.fork?.atMs ?? null).filter((x): x is number => x !== null);
    const startMs = mode === 'compare' ? divergenceMs(nodes[0], nodes[1]) : (forks[0] ?? undefined);
    const o = new BranchOverlay({
      mode,
      battle,
      roomId,
      panes: nodes.map(paneSpec),
      startMs: startMs ?? undefined,
      held: () => room.segmentWorld(),
      room: {
        positionNow: () => room.positionNow(),
        playing: () => room.clock()?.state === 'playing',
        rate: () => room.clock()?.rate ?? 1,
      },
      onClose: () => {
        if (overlay === o) overlay = null;
      },
    });
    overlay = o;
    document.body.append(o.root);
  }

  function byId(id: string): BranchTreeNode | undefined {
    return tree?.branches.find((b) => b.branchId === id) ?? pending.get(id);
  }

  async function openById(mode: 'preview' | 'compare', ids: string[]): Promise<void> {
    await waitFor(() => ctx.battle() !== null);
    let nodes = ids.map(byId);
    if (nodes.some((n) => !n)) {
      await refresh();
      nodes = ids.map(byId);
    }
    const missing = ids.filter((_, i) => !nodes[i]);
    if (missing.length) {
      panel.flash(`Unknown branch ${missing.join(', ')} in this room`, true);
      return;
    }
    openOverlay(mode, nodes as BranchTreeNode[]);
  }

  // Keep the tree fresh: new branches, and switches (the highlighted branch and its decision list).
  // Re-render only when something the panel shows changed (not on every presence blip).
  let roomBranch: string | null = null;
  let battleSeen: BattleInfo | null = null;
  let roleSeen: string | null = null;
  room.subscribe((change) => {
    const state = room.room();
    if (change === 'branch') void refresh();
    if (state && state.branchId !== roomBranch) {
      roomBranch = state.branchId;
      void refresh();
    } else if (ctx.battle() !== battleSeen || (room.you()?.role ?? null) !== roleSeen) {
      battleSeen = ctx.battle();
      roleSeen = room.you()?.role ?? null;
      render();
    }
  });
  void refresh();
  // The battle info (decision titles, side names) arrives after the tree: label it once it is there.
  void waitFor(() => ctx.battle() !== null).then(() => {
    battleSeen = ctx.battle();
    render();
  });

  // A decision marker on the scrubber opens the tab at that decision.
  ctx.timeline.root.addEventListener('click', (e) => {
    const marker = (e.target as Element | null)?.closest?.('[data-decision]');
    if (!marker) return;
    const id = marker.getAttribute('data-decision');
    if (!id) return;
    ctx.side.root.querySelector<HTMLButtonElement>('button[role="tab"][data-tab="branches"]')?.click();
    panel.focusDecision(id);
  });

  const params = new URLSearchParams(window.location.search);
  const cmp = params.get('compare');
  if (cmp) {
    const [a, b] = cmp.split(',');
    if (a && b) void openById('compare', [a, b]);
  }
  const pv = params.get('preview');
  if (pv) void openById('preview', [pv]);

  window.__wardroomBranches = {
    tree: () => tree,
    refresh,
    pending: () => [...pending.keys()],
    preview: (id) => void openById('preview', [id]),
    compare: (a, b) => void openById('compare', [a, b]),
  };
}

/** Where two branches of one battle part: the earliest decision point where their choices differ. */
export function divergenceMs(a: BranchTreeNode, b: BranchTreeNode): number | null {
  const same = (x?: { optionId: string; value?: number }, y?: { optionId: string; value?: number }) =>
    !!x && !!y && x.optionId === y.optionId && (x.value ?? null) === (y.value ?? null);
  let best: number | null = null;
  const ids = new Set([...a.decisions, ...b.decisions].map((d) => d.decisionId));
  for (const id of ids) {
    if (
      same(
        a.decisions.find((d) => d.decisionId === id),
        b.decisions.find((d) => d.decisionId === id),
      )
    )
      continue;
    const ms = a.decisionPoints.find((p) => p.id === id)?.atMs ?? b.decisionPoints.find((p) => p.id === id)?.atMs ?? null;
    if (ms !== null && (best === null || ms < best)) best = ms;
  }
  return best;
}

function waitFor(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (cond()) resolve();
      else setTimeout(check, 50);
    };
    check();
  });
}
