import type { RoomState } from '../../../../shared/protocol/events.js';
import { BranchOverlay } from '../../compare/branchOverlay.js';
import { el, formatMs } from '../../dom.js';
import type { RoomContext } from '../context.js';
import { MOMENT_EVENT, type Moment, momentUrl, parseMoment } from './momentLink.js';
import './moments.css';

// Moment links (issue #11 item 5). "Copy link to this moment" by the playback controls gives
// /room/<id>?t=<ms>&branch=<id> (plus the annotation at that moment, if any). Opening one:
//   - a viewer or player peeks there in a private preview (the room does not move), with "Back to the room";
//   - the instructor is offered to seek the room there (switching branch if needed), or to just peek.

export interface MomentHooks {
  link(): string;
  peeking(): boolean;
  offered(): Moment | null;
}

declare global {
  interface Window {
    __wardroomMoment?: MomentHooks;
  }
}

const near = 1000;

export function mountMoments(ctx: RoomContext): void {
  const { room: client } = ctx;
  const session = client;
  let peek: BranchOverlay | null = null;
  let offered: Moment | null = null;

  // ---- copy ---------------------------------------------------------------------------------------
  const field = el('input', { type: 'text', readonly: true, 'aria-label': 'Link to this moment', 'data-testid': 'moment-link' });
  const status = el('span', { class: 'chat-count', 'data-testid': 'moment-status' });
  const pop = el('div', { class: 'moment-pop', hidden: true }, el('strong', { text: 'Link to this moment' }), field, status);
  const copyBtn = el('button', {
    type: 'button',
    class: 'button small',
    title: 'Copy link to this moment',
    'data-testid': 'moment-copy',
    text: '🔗 Link',
  });
  const wrap = el('span', { class: 'moment-copy' }, copyBtn, pop);
  (ctx.timeline.root.querySelector('.controls') ?? ctx.timeline.root).append(wrap);

  function currentLink(): string {
    const room = session.room();
    if (!room) return '';
    const t = Math.round(session.positionNow());
    const at = room.annotations
      .filter((a) => a.branchId === room.branchId && Math.abs(a.positionMs - t) <= near)
      .sort((a, b) => Math.abs(a.positionMs - t) - Math.abs(b.positionMs - t))[0];
    return momentUrl(window.location.origin, room.roomId, { t, branch: room.branchId, annotation: at?.id });
  }

  copyBtn.addEventListener('click', () => {
    if (!pop.hidden) {
      pop.hidden = true;
      return;
    }
    field.value = currentLink();
    pop.hidden = false;
    field.focus();
    field.select();
    status.textContent = '';
    // The clipboard API needs a secure context; elsewhere the selected field is there to copy by hand.
    const clip = navigator.clipboard as Clipboard | undefined;
    if (clip)
      clip.writeText(field.value).then(
        () => (status.textContent = 'Copied to the clipboard'),
        () => (status.textContent = 'Press Ctrl+C to copy'),
      );
    else status.textContent = 'Press Ctrl+C to copy';
  });
  document.addEventListener('keydown', (e) => e.key === 'Escape' && (pop.hidden = true));

  // ---- open -----------------------------------------------------------------------------------------
  function branchLabel(room: RoomState, branchId: string): string {
    const b = room.branches.find((x) => x.branchId === branchId);
    return b?.fork ? `what-if (${b.decisions.map((d) => d.optionId).join(', ')})` : 'history';
  }

  function openPeek(m: Moment): void {
    const room = session.room();
    const battle = ctx.battle();
    if (!room || !battle) return;
    peek?.close();
    const o = new BranchOverlay({
      mode: 'preview',
      battle,
      roomId: room.roomId,
      panes: [{ branchId: m.branch, label: `${formatMs(m.t)} on ${branchLabel(room, m.branch)}` }],
      room: {
        positionNow: () => session.positionNow(),
        playing: () => session.clock()?.state === 'playing',
        rate: () => session.clock()?.rate ?? 1,
      },
      onClose: () => {
        if (peek === o) peek = null;
      },
    });
    o.seek(m.t); // its own clock, paused at the moment: the room does not move
    const back = el('button', { type: 'button', class: 'primary', 'data-testid': 'moment-back', text: '◀ Back to the room' });
    back.addEventListener('click', () => o.close());
    const note = room.annotations.find((a) => a.id === m.annotation);
    const head = o.root.querySelector('.overlay-head');
    head?.prepend(back);
    if (note)
      head?.append(el('span', { class: 'moment-annotation', 'data-testid': 'moment-annotation', text: `“${note.text}” — ${note.author}` }));
    peek = o;
    document.body.append(o.root);
  }

  let banner: HTMLElement | null = null;
  function offerSeek(m: Moment, what = 'This link points to'): void {
    banner?.remove();
    offered = m;
    const room = session.room();
    const other = room && room.branchId !== m.branch;
    const box = el('div', { class: 'moment-banner', role: 'dialog', 'data-testid': 'moment-offer' });
    banner = box;
    const seek = el('button', {
      type: 'button',
      class: 'primary',
      'data-testid': 'moment-seek',
      text: `Take the room to ${formatMs(m.t)}`,
    });
    const look = el('button', { type: 'button', class: 'button', 'data-testid': 'moment-peek', text: 'Just look' });
    const dismiss = el('button', { type: 'button', class: 'button', 'aria-label': 'Dismiss', text: '✕' });
    const done = (): void => {
      box.remove();
      if (banner === box) banner = null;
      offered = null;
    };
    seek.addEventListener('click', () => {
      void (async () => {
        if (session.room()?.branchId !== m.branch) {
          const r = await client.switchBranch(m.branch);
          if (!r.ok) return void (box.firstChild!.textContent = `Cannot switch: ${r.error.message}`);
        }
        const r = await client.seek(m.t);
        if (!r.ok) return void (box.firstChild!.textContent = `Cannot seek: ${r.error.message}`);
        done();
      })();
    });
    look.addEventListener('click', () => {
      done();
      openPeek(m);
    });
    dismiss.addEventListener('click', done);
    box.append(
      el('span', {
        text: `${what} ${formatMs(m.t)}${other ? ` on another branch (${room ? branchLabel(room, m.branch) : m.branch})` : ''}.`,
      }),
      el('div', { class: 'row' }, seek, look, dismiss),
    );
    ctx.tactical.root.append(box);
  }

  const moment = parseMoment(window.location.search);
  if (moment) {
    // Drop the moment from the address bar (a reload opens the room as usual); keep ?role=.
    const q = new URLSearchParams(window.location.search);
    for (const k of ['t', 'branch', 'annotation']) q.delete(k);
    history.replaceState(null, '', window.location.pathname + (q.size ? `?${q.toString()}` : ''));
    const go = (): boolean => {
      if (!session.room() || !session.you() || !ctx.battle()) return false;
      if (session.you()!.role === 'instructor') offerSeek(moment);
      else openPeek(moment);
      return true;
    };
    const timer = window.setInterval(() => go() && window.clearInterval(timer), 100);
  }

  // A chat message's time (or any feature) asks for a moment: same as opening its link.
  document.addEventListener(MOMENT_EVENT, (e) => {
    const m = (e as CustomEvent<Moment>).detail;
    if (session.you()?.role === 'instructor') offerSeek(m, 'That message was sent at');
    else openPeek(m);
  });

  window.__wardroomMoment = { link: currentLink, peeking: () => peek !== null, offered: () => offered };
}
