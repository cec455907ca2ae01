import { describe, expect, it } from 'vitest';
import { aChurnAlert, type ChurnAlert, type EpisodeEvent } from '@segmentation/contracts';
import { closesEpisode, toldToReceivers } from './episode-events.ts';

const anAlert = (episodeEvent: EpisodeEvent | null, previousLevel: ChurnAlert['previousLevel'] = 'warning') =>
  aChurnAlert({
    customerId: 'C-1',
    sequence: 2,
    level: 'warning',
    previousLevel,
    eventTime: Date.UTC(2026, 0, 5),
    episodeId: episodeEvent && 'C-1/episode/1',
    episodeEvent,
  });

describe('which alerts receivers are told of', () => {
  it('tells the opening, each escalation and the close of an episode', () => {
    expect(toldToReceivers(anAlert('opened', null))).toBe(true);
    expect(toldToReceivers(anAlert('escalated'))).toBe(true);
    expect(toldToReceivers(anAlert('closed'))).toBe(true);
  });

  it('keeps a fall within the episode and a climb back to a level it reached before from receivers', () => {
    expect(toldToReceivers(anAlert('de_escalated'))).toBe(false);
    expect(toldToReceivers(anAlert('re_escalated'))).toBe(false);
  });

  it('tells a raise that continues a closed episode, though it only comes back to a level reached before', () => {
    expect(toldToReceivers(anAlert('re_escalated', null))).toBe(true);
  });

  it('tells every alert written before episodes existed, as before', () => {
    expect(toldToReceivers(anAlert(null))).toBe(true);
    expect(toldToReceivers(anAlert(null, null))).toBe(true);
  });
});

describe('which alerts close an episode (what a receiver set to closes: false is not told)', () => {
  it('is the close, and a cleared alert written before episodes existed', () => {
    expect(closesEpisode({ episodeEvent: 'closed', level: 'cleared' })).toBe(true);
    expect(closesEpisode({ episodeEvent: null, level: 'cleared' })).toBe(true);
  });

  it('is not an opening, an escalation or a move within the episode', () => {
    for (const episodeEvent of ['opened', 'escalated', 're_escalated', 'de_escalated'] as const) {
      expect(closesEpisode({ episodeEvent, level: 'warning' }), episodeEvent).toBe(false);
    }
    expect(closesEpisode({ episodeEvent: null, level: 'critical' })).toBe(false);
  });
});
