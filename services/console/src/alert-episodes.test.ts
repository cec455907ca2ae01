import { describe, expect, it } from 'vitest';
import { episodeView, type EpisodeSummary } from './alert-episodes.ts';
import type { AlertView } from './history-queries.ts';

const T = Date.UTC(2026, 2, 5, 2);
const HOUR = 3_600_000;

/** An alert as the console reads it from churn_alerts. */
const anAlert = (sequence: number, a: Partial<AlertView> = {}): AlertView => ({
  alertId: `C-1/churn/${sequence}`,
  customerId: 'C-1',
  level: 'warning',
  previousLevel: null,
  riskScore: 0.6,
  reasons: [{ code: 'inactivity', text: `reason of ${sequence}`, value: sequence }],
  action: 'call',
  cause: 'timer',
  valueTier: 'high',
  eventTime: T + sequence * HOUR,
  detectedAt: T + sequence * HOUR + 1000,
  episodeId: 'C-1/episode/1',
  episodeEvent: 'escalated',
  ...a,
});

describe('an alert episode in the console', () => {
  const opened = anAlert(1, { level: 'watch', episodeEvent: 'opened', cause: 'rules_changed' });
  const escalated = anAlert(2, { level: 'critical', previousLevel: 'watch' });
  const fell = anAlert(3, { level: 'warning', previousLevel: 'critical', episodeEvent: 'de_escalated', riskScore: 0.55 });
  const summary: EpisodeSummary = {
    openedAt: opened.eventTime,
    closedAt: null,
    peakLevel: 'critical',
    messages: 3,
    openingCause: 'rules_changed',
  };

  it('is open at its latest level, with the peak, opening and count of the view and its messages newest first', () => {
    const view = episodeView(fell, summary, [fell, escalated, opened]);
    expect(view).toMatchObject({
      episodeId: 'C-1/episode/1',
      customerId: 'C-1',
      state: 'open',
      level: 'warning',
      peakLevel: 'critical',
      openedAt: opened.eventTime,
      closedAt: null,
      openingCause: 'rules_changed',
      riskScore: 0.55,
      messageCount: 3,
      reasons: fell.reasons,
      action: 'call',
      valueTier: 'high',
    });
    expect(view.messages.map((m) => [m.alertId, m.episodeEvent, m.level])).toEqual([
      ['C-1/churn/3', 'de_escalated', 'warning'],
      ['C-1/churn/2', 'escalated', 'critical'],
      ['C-1/churn/1', 'opened', 'watch'],
    ]);
  });

  it('is closed by its close, showing the last reasons given before it', () => {
    const close = anAlert(4, { level: 'cleared', previousLevel: 'warning', episodeEvent: 'closed', reasons: [], action: '' });
    const view = episodeView(close, { ...summary, closedAt: close.eventTime, messages: 4 }, [close, fell, escalated, opened]);
    expect(view).toMatchObject({
      state: 'closed',
      level: 'cleared',
      closedAt: close.eventTime,
      reasons: fell.reasons,
      action: 'call',
      messageCount: 4,
    });
  });

  it('is the one alert itself for an alert written before episodes existed: open unless cleared', () => {
    const older = anAlert(7, { episodeId: null, episodeEvent: null, level: 'critical', cause: 'event' });
    expect(episodeView(older, undefined, [])).toMatchObject({
      episodeId: null,
      state: 'open',
      level: 'critical',
      peakLevel: 'critical',
      openedAt: older.eventTime,
      closedAt: null,
      openingCause: 'event',
      messageCount: 1,
      messages: [{ alertId: 'C-1/churn/7', episodeEvent: null }],
    });
    const cleared = anAlert(8, { episodeId: null, episodeEvent: null, level: 'cleared' });
    expect(episodeView(cleared, undefined, [])).toMatchObject({ state: 'closed', closedAt: cleared.eventTime, peakLevel: 'cleared' });
  });
});
