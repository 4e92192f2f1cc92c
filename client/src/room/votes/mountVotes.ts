import type { DecisionPointInfo } from '../../../../shared/battle/timeline.js';
import type { Ack, VoteState } from '../../../../shared/protocol/events.js';
import type { RoomContext } from '../context.js';
import { VotePanel } from './votePanel.js';
import './votes.css';

// Wires the vote box to the room's socket: `vote:state` broadcasts update the tallies (they never carry
// anyone's own choice, so ours is kept from our acks), `vote:sync` on mount and after every reconnect
// restores the lot, commands go through the room client's generic `call`.

export interface VotesHandle {
  root: HTMLElement;
  /** Re-render with the decision points of the room's current branch. */
  refresh(decisions: DecisionPointInfo[]): void;
}

async function ok<T extends object>(p: Promise<Ack<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

export function mountVotes(ctx: RoomContext, onForked: () => void): VotesHandle {
  const { room: client } = ctx;
  const session = client;
  const votes = new Map<string, VoteState>();
  let decisions: DecisionPointInfo[] = [];

  const take = (v: VoteState): void => {
    const prev = votes.get(v.voteId);
    // Broadcasts leave yourChoice out: keep the one we know.
    votes.set(v.voteId, v.yourChoice || !prev?.yourChoice ? v : { ...v, yourChoice: prev.yourChoice });
  };
  const render = (): void =>
    panel.render({ role: session.you()?.role ?? null, decisions, votes: [...votes.values()].sort((a, b) => a.openedAt - b.openedAt) });

  const panel = new VotePanel({
    open: async (decisionId) => {
      take((await ok(client.call('vote:open', { decisionId }))).vote);
      render();
    },
    cast: async (voteId, optionId, value) => {
      take((await ok(client.call('vote:cast', { voteId, optionId, ...(value !== undefined ? { value } : {}) }))).vote);
      render();
    },
    close: async (voteId, o) => {
      panel.flash('Closing the vote and compiling the winner…');
      const r = await ok(client.call('vote:close', { voteId, switch: o.switch, ...(o.optionId ? { optionId: o.optionId } : {}) }));
      take(r.vote);
      render();
      panel.flash(o.switch ? 'The room follows the winning branch.' : 'The winner is forked: see the branch tree.');
      onForked();
    },
  });

  client.socket.on('vote:state', (v) => {
    if (!v.open && votes.get(v.voteId)?.open) panel.flash(''); // "you may change your vote" no longer holds
    take(v);
    render();
  });
  const sync = async (): Promise<void> => {
    const r = await client.call('vote:sync', {});
    if (!r.ok) return;
    votes.clear();
    for (const v of r.votes) take(v);
    render();
  };
  // After every (re)join: the join's room state arrives as a 'room' change once the server knows us.
  let needSync = true;
  let role = session.you()?.role ?? null;
  session.subscribe((change) => {
    if (change === 'connection' && session.connection() !== 'connected') needSync = true;
    if (change === 'room' && needSync && session.you()) {
      needSync = false;
      void sync();
    }
    const r = session.you()?.role ?? null;
    if (r !== role) render();
    role = r;
  });
  if (session.you() && session.connection() === 'connected') {
    needSync = false;
    void sync();
  }

  return {
    root: panel.root,
    refresh(d) {
      decisions = d;
      render();
    },
  };
}
