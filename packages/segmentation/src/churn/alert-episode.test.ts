import { describe, expect, it } from 'vitest';
import { stepEpisode, type EpisodeSettings, type EpisodeState } from './alert-episode.ts';

const DAY = 86_400_000;
const SETTINGS: EpisodeSettings = {
  bands: { watch: { enter: 0.5, exit: 0.35 }, warning: { enter: 0.7, exit: 0.55 }, critical: { enter: 0.85, exit: 0.75 } },
  cooldownDays: 14,
  closeAfterDays: 30,
  reopenDays: 30,
};

/** Runs risks at one evaluation a day; returns the events and the final state. */
function run(risks: readonly number[], s = SETTINGS, start?: EpisodeState) {
  let state = start;
  const events: Array<{ day: number; event: string; level: string | null; number: number }> = [];
  risks.forEach((risk, day) => {
    const step = stepEpisode(state, risk, day * DAY, s);
    if (step.event) events.push({ day, event: step.event, level: step.state.level, number: step.state.number });
    state = step.state;
  });
  return { events, state };
}

/** A small seeded generator: the property tests are reproducible. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('alert episodes', () => {
  it('opens at watch, escalates through the levels and keeps one id', () => {
    const { events } = run([0.1, 0.52, 0.72, 0.9]);
    expect(events.map((e) => [e.event, e.level, e.number])).toEqual([
      ['opened', 'watch', 1],
      ['escalated', 'warning', 1],
      ['escalated', 'critical', 1],
    ]);
  });

  it('falls a level only after the cool-down, never below watch while open, and closes after a sustained recovery', () => {
    const risks = [0.9, ...Array<number>(20).fill(0.6), ...Array<number>(40).fill(0.1)];
    const { events } = run(risks);
    expect(events.map((e) => [e.event, e.level])).toEqual([
      ['opened', 'critical'],
      ['de_escalated', 'warning'],
      ['de_escalated', 'watch'],
      ['closed', null],
    ]);
    expect(events[1]!.day).toBe(14);
    // The recovery began on day 21; 30 days under watch's exit close the episode.
    expect(events[3]!.day).toBe(21 + 30);
  });

  it('one good day does not close an episode: the recovery starts again', () => {
    const risks = [0.8, ...Array<number>(20).fill(0.1), 0.4, ...Array<number>(29).fill(0.1)];
    const { events, state } = run(risks);
    expect(events.some((e) => e.event === 'closed')).toBe(false);
    expect(state?.open).toBe(true);
  });

  it('a raise soon after the close continues the episode; a later one opens the next', () => {
    const { state: closed } = run([0.6, ...Array<number>(31).fill(0.1)]);
    if (closed === undefined) throw new Error('no episode');
    expect(closed.open).toBe(false);
    const soon = stepEpisode(closed, 0.75, closed.closedAt! + 10 * DAY, SETTINGS);
    expect([soon.event, soon.state.number]).toEqual(['escalated', 1]);
    const later = stepEpisode(closed, 0.55, closed.closedAt! + 40 * DAY, SETTINGS);
    expect([later.event, later.state.number]).toEqual(['opened', 2]);
  });

  it('never flaps: risks oscillating inside a band change nothing once the level is reached', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      // Each band between its exit and the next enter: the level must hold, whatever the order.
      const band = Math.floor(next() * 3);
      const [lo, hi] = (
        [
          [0.35, 0.7],
          [0.55, 0.85],
          [0.75, 1],
        ] as const
      )[band]!;
      const enter = [0.5, 0.7, 0.85][band]!;
      const risks = [enter, ...Array.from({ length: 200 }, () => lo + (hi - lo) * next() * 0.999)];
      const { events } = run(risks);
      expect(events.length, `seed ${seed}`).toBe(1);
    }
  });

  it('for any risk path: a close only after a raise, ids never go back, and every episode waits its recovery', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const next = random(seed);
      let risk = 0.2;
      const risks = Array.from({ length: 400 }, () => (risk = Math.min(1, Math.max(0, risk + (next() - 0.5) * 0.2))));
      const { events } = run(risks);
      let open = false;
      let lastRaise = -1;
      for (const e of events) {
        if (e.event === 'closed') {
          expect(open, `seed ${seed}: closed while not open`).toBe(true);
          expect(e.day - lastRaise, `seed ${seed}: closed before a recovery`).toBeGreaterThanOrEqual(SETTINGS.closeAfterDays);
          open = false;
        } else if (e.event === 'opened' || e.event === 'escalated' || e.event === 're_escalated') {
          if (e.event === 'opened') expect(open, `seed ${seed}: opened twice`).toBe(false);
          open = true;
          lastRaise = e.day;
        }
      }
      const numbers = events.map((e) => e.number);
      expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    }
  });
});
