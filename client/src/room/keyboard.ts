import { must, type RoomHandle } from './roomHandle.js';
import { nextRate } from './timeline/timelineBar.js';

// Keyboard for whoever controls playback: space play/pause, ←/→ seek ±10 s (Shift: previous/next
// phase), ↑/↓ speed. Ignored while typing in a field.

export interface KeyboardDeps {
  enabled(): boolean;
  room: RoomHandle;
  onError(msg: string): void;
}

export function bindKeyboard(d: KeyboardDeps): () => void {
  const handler = (e: KeyboardEvent): void => {
    if (!d.enabled() || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target as HTMLElement | null;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const s = d.room;
    // A focused button would also "click" on the space key's keyup: drop its focus so only we act.
    if (e.key === ' ' && t instanceof HTMLButtonElement) t.blur();
    let p: Promise<void> | null = null;
    switch (e.key) {
      case ' ':
        p = must(s.clock()?.state === 'playing' ? s.pause() : s.play());
        break;
      case 'ArrowLeft':
        p = must(e.shiftKey ? s.stepPhase(-1) : s.seek(Math.max(0, s.positionNow() - 10_000)));
        break;
      case 'ArrowRight':
        p = must(e.shiftKey ? s.stepPhase(1) : s.seek(s.positionNow() + 10_000));
        break;
      case 'ArrowUp':
        p = must(s.setRate(nextRate(s.clock()?.rate ?? 1, 1)));
        break;
      case 'ArrowDown':
        p = must(s.setRate(nextRate(s.clock()?.rate ?? 1, -1)));
        break;
      default:
        return;
    }
    e.preventDefault();
    p.catch((err: Error) => d.onError(err.message));
  };
  window.addEventListener('keydown', handler);
  return () => window.removeEventListener('keydown', handler);
}
