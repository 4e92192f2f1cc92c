// Caption pacing: every caption gets screen time. A phase's caption and a plain caption share one
// line on screen (the latest replaces the one before), so a caption sent in the same instant as a
// phase, or right after another caption, would never be read. The compiler queues plain captions
// and lets each out only once the one on screen has had its minimum time. Phases are never held
// back (a phase starts when the machine says): when one starts before the line's caption had
// MIN_SCREEN_MS, that caption is merged into the new phase's. tests/battles/captions.test.ts checks
// that every caption of every battle is on screen for at least MIN_SCREEN_MS.

/** Below this, a caption replaced by a phase is merged into the phase's caption. */
export const MIN_SCREEN_MS = 3000;
/** Minimum screen time of a phase's caption before a queued caption replaces it (ms of playback). */
export const PHASE_CAPTION_MS = 8000;
/** Minimum screen time of a plain caption before the next queued one replaces it. */
export const CAPTION_MS = 5000;

/** Plain JSON (part of the compiler's run state, so branches resume with the same queue). */
export interface CaptionPace {
  /** Playback time until which the caption on screen keeps the line. */
  heldUntil: number;
  queue: string[];
  /** The caption on screen and since when. */
  shown: { text: string; t: number } | null;
}

export const newCaptionPace = (): CaptionPace => ({ heldUntil: 0, queue: [], shown: null });

/** A phase starts at `t` with `caption`: returns the caption it shows, which then takes the line. */
export function phaseCaption(pace: CaptionPace, t: number, caption: string): string {
  const cut = pace.shown !== null && t - pace.shown.t < MIN_SCREEN_MS ? pace.shown.text : null;
  const text = cut === null ? caption : `${cut} ${caption}`;
  pace.shown = { text, t };
  pace.heldUntil = t + PHASE_CAPTION_MS;
  return text;
}

/** The captions to show at `t`, in order (each then holds the line for CAPTION_MS). */
export function dueCaptions(pace: CaptionPace, t: number): string[] {
  const out: string[] = [];
  while (pace.queue.length > 0 && t >= pace.heldUntil) {
    const text = pace.queue.shift() as string;
    out.push(text);
    pace.shown = { text, t };
    pace.heldUntil = t + CAPTION_MS;
  }
  return out;
}
