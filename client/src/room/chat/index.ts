import { type ChatMessage, type Member, REACTION_EMOJI } from '../../../../shared/protocol/events.js';
import { CHAT_MAX_CHARS, REACTION_SYMBOLS, type ReactionSymbol } from '../../../../shared/protocol/schemas.js';
import { clear, el, formatMs, setText } from '../../dom.js';
import type { PayloadOf } from '../../../lib/calls.js';
import { getChat } from '../../api.js';
import { requestMoment } from '../moments/momentLink.js';
import type { RoomContext } from '../context.js';
import { BurstLayer } from './bursts.js';
import { ChatModel, newId } from './model.js';
import { addSideTab } from './sideTab.js';
import './chat.css';

// Room chat and timed reactions (issue #11 item 2): a Chat tab in the side panel (messages with
// author, role, playback moment and time; the instructor mutes and clears), reaction buttons by the
// playback controls, and bursts on the scrubber, live and again whenever playback passes a moment
// people reacted to. User text only ever goes through textContent.

export interface ChatHooks {
  messages(): string[];
  muted(): string[];
  bursts(): number;
  reactions(branchId?: string): number;
}

declare global {
  interface Window {
    __wardroomChat?: ChatHooks;
  }
}

export function mountChat(ctx: RoomContext): void {
  const { room: client } = ctx;
  const session = client;
  const model = new ChatModel();
  const bursts = new BurstLayer(ctx.timeline);
  const { panel, tab } = addSideTab(ctx.side, 'chat', 'Chat');

  const list = el('ol', { class: 'chat-list', 'data-testid': 'chat-list', 'aria-live': 'polite' });
  const input = el('input', {
    type: 'text',
    maxlength: CHAT_MAX_CHARS,
    placeholder: 'Message the room',
    'aria-label': 'Chat message',
    'data-testid': 'chat-input',
  });
  const count = el('span', { class: 'chat-count', 'data-testid': 'chat-count' });
  const form = el(
    'form',
    { class: 'chat-form', 'data-testid': 'chat-form' },
    input,
    el('button', { type: 'submit', class: 'primary', text: 'Send' }),
  );
  const note = el('p', { class: 'chat-note', 'data-testid': 'chat-note', hidden: true });
  const clearBtn = el('button', { type: 'button', class: 'button small', 'data-testid': 'chat-clear', text: 'Clear chat', hidden: true });
  panel.append(el('h3', { text: 'Room chat' }), list, note, form, el('div', { class: 'chat-tools' }, count, clearBtn));

  const me = (): Member | null => session.you();
  const isInstructor = (): boolean => me()?.role === 'instructor';
  let unread = 0;

  function flash(msg: string): void {
    note.textContent = msg;
    note.hidden = false;
  }

  function render(): void {
    const you = me();
    const mutedMe = !!you && model.muted.has(you.memberId);
    clear(list);
    for (const m of model.messages) list.append(messageItem(m));
    list.scrollTop = list.scrollHeight;
    input.disabled = mutedMe;
    for (const b of reactionButtons) b.disabled = mutedMe;
    if (mutedMe) flash('The instructor muted you: you cannot chat or react.');
    else if (note.textContent?.startsWith('The instructor muted you')) note.hidden = true;
    clearBtn.hidden = !isInstructor();
    setText(count, `${model.messages.length} message${model.messages.length === 1 ? '' : 's'}`);
    setText(tab, unread > 0 ? `Chat (${unread})` : 'Chat');
  }

  function messageItem(m: ChatMessage): HTMLElement {
    const wall = new Date(m.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const muted = model.muted.has(m.authorId);
    // The playback moment opens like a moment link: a private look, or (instructor) the offer to take the room there.
    const moment = el('button', {
      type: 'button',
      class: 'moment',
      'data-testid': 'chat-moment',
      title: `Sent at ${wall}, while the room was at ${formatMs(m.positionMs)}: look at that moment`,
      text: `${formatMs(m.positionMs)} · ${wall}`,
    });
    moment.addEventListener('click', () => requestMoment({ t: m.positionMs, branch: m.branchId }));
    const meta = el(
      'div',
      { class: 'meta' },
      el('strong', { text: m.author }),
      el('span', { class: `role role-${m.role}`, text: m.role }),
      muted ? el('span', { class: 'muted-tag', text: 'muted' }) : null,
      moment,
    );
    if (isInstructor() && m.role !== 'instructor' && m.authorId !== me()?.memberId) {
      const b = el('button', { type: 'button', class: 'button small mute', 'data-testid': 'chat-mute', text: muted ? 'Unmute' : 'Mute' });
      b.addEventListener('click', () => void command('chat:mute', { memberId: m.authorId, muted: !muted }));
      meta.append(b);
    }
    return el('li', { class: 'chat-msg', 'data-testid': 'chat-message', 'data-id': m.id }, meta, el('p', { class: 'text', text: m.text }));
  }

  async function command<E extends 'chat:send' | 'chat:react' | 'chat:mute' | 'chat:clear'>(
    event: E,
    payload: PayloadOf<E>,
  ): Promise<boolean> {
    const r = await client.call(event, payload);
    if (!r.ok) flash(r.error.message);
    return r.ok;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    note.hidden = true;
    void command('chat:send', { id: newId('m'), text }).then((ok) => {
      if (ok) input.value = '';
    });
  });
  clearBtn.addEventListener('click', () => void command('chat:clear', {}));
  tab.addEventListener('click', () => {
    unread = 0;
    render();
  });

  // Reaction buttons next to the playback controls: visible whatever tab is open.
  const reactionButtons = REACTION_SYMBOLS.map((symbol: ReactionSymbol) => {
    const b = el('button', {
      type: 'button',
      title: `React: ${symbol}`,
      'aria-label': `React ${symbol}`,
      'data-testid': `react-${symbol}`,
      text: REACTION_EMOJI[symbol],
    });
    b.addEventListener(
      'click',
      () => void command('chat:react', { id: newId('r'), symbol, positionMs: Math.max(0, Math.round(session.positionNow())) }),
    );
    return b;
  });
  const bar = el('span', { class: 'reaction-bar', 'data-testid': 'reaction-bar' }, ...reactionButtons);
  (ctx.timeline.root.querySelector('.controls') ?? ctx.timeline.root).append(bar);

  // Live traffic, through the room client's socket.
  let fetching: ChatMessage[] | null = null;
  client.socket.on('chat:message', (m) => {
    fetching?.push(m);
    if (!model.addMessage(m)) return;
    if (panel.hidden) unread++;
    render();
  });
  client.socket.on('chat:cleared', () => {
    model.clear();
    unread = 0;
    render();
  });
  client.socket.on('chat:muted', (m) => {
    if (m.muted) model.muted.add(m.memberId);
    else model.muted.delete(m.memberId);
    render();
  });
  client.socket.on('chat:reaction', (batch) => {
    for (const r of batch.reactions) {
      model.addReaction(r);
      if (r.branchId === session.room()?.branchId) bursts.burst(r);
    }
  });

  // History on every (re)join: the kept messages, mutes and every reaction of the room.
  async function loadHistory(): Promise<void> {
    fetching = [];
    model.takeHistory(await getChat(session.roomId), fetching);
    fetching = null;
    render();
  }
  let joinedAs: Member | null = null;
  session.subscribe((change) => {
    if (change !== 'room' || session.you() === joinedAs) return;
    joinedAs = session.you();
    loadHistory().catch((err: Error) => flash(err.message));
  });

  // Replay: bursts when playback passes a moment people reacted to (forward, continuous play only).
  let last = session.positionNow();
  const frame = (): void => {
    const pos = session.positionNow();
    const room = session.room();
    if (room && session.clock()?.state === 'playing' && pos > last && pos - last < 2000) {
      for (const r of model.reactionsBetween(room.branchId, last, pos)) bursts.burst(r);
    }
    last = pos;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);

  window.__wardroomChat = {
    messages: () => model.messages.map((m) => m.text),
    muted: () => [...model.muted],
    bursts: () => bursts.shown,
    reactions: (branchId) => model.totalReactions(branchId ?? session.room()?.branchId ?? ''),
  };
  render();
}
