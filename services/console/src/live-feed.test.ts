import { describe, expect, it } from 'vitest';
import { aChurnAlert, aSegmentChange } from '@segmentation/contracts';
import { LiveFeed, matches, type FeedItem } from './live-feed.ts';

const T = Date.UTC(2026, 10, 23);
const change = (customerId: string, dimension: string, fromSegment: string | null, toSegment: string, sequence = 1) =>
  aSegmentChange({
    customerId,
    dimension,
    fromSegment,
    toSegment,
    sequence,
    eventTime: T,
    changeId: `${customerId}/${dimension}/${sequence}`,
  });

describe('the live feed', () => {
  it('sends each viewer only what its filter matches, and stops at unsubscribe', () => {
    const feed = new LiveFeed({ backlogSize: 10, maxCustomers: 10 });
    const tiers: FeedItem[] = [];
    const critical: FeedItem[] = [];
    const a = feed.subscribe({ dimension: 'value_tier' }, (i) => tiers.push(i));
    feed.subscribe({ level: 'critical' }, (i) => critical.push(i));
    feed.addChange(change('C-1', 'value_tier', null, 'medium'));
    feed.addChange(change('C-1', 'lifecycle', null, 'new'));
    feed.addAlert(aChurnAlert({ customerId: 'C-2', sequence: 1, level: 'critical', eventTime: T }));
    feed.addAlert(aChurnAlert({ customerId: 'C-3', sequence: 1, level: 'watch', eventTime: T }));
    expect(tiers.map((i) => i.customerId)).toEqual(['C-1']);
    expect(critical.map((i) => i.customerId)).toEqual(['C-2']);
    a.unsubscribe();
    feed.addChange(change('C-4', 'value_tier', null, 'high'));
    expect(tiers).toHaveLength(1);
    expect(feed.viewerCount).toBe(1);
  });

  it("carries each reason of a change read from the feature's side, so the page renders it without parsing the condition", () => {
    const feed = new LiveFeed({ backlogSize: 10, maxCustomers: 10 });
    const item = feed.addChange(
      aSegmentChange({
        customerId: 'C-1',
        dimension: 'lifecycle',
        sequence: 1,
        fromSegment: null,
        toSegment: 'at_risk',
        eventTime: T,
        reasons: [
          { condition: '30 < days_since_last_order', feature: 'days_since_last_order', value: 45, threshold: 30 },
          { condition: 'orders_90d >= 2', feature: 'orders_90d', value: 0, threshold: 2 },
        ],
      }),
    );
    expect(item.reasons).toEqual([
      {
        condition: '30 < days_since_last_order',
        feature: 'days_since_last_order',
        value: 45,
        threshold: 30,
        operator: '>',
        mirrored: true,
        holds: true,
      },
      { condition: 'orders_90d >= 2', feature: 'orders_90d', value: 0, threshold: 2, operator: '>=', mirrored: false, holds: false },
    ]);
  });

  it('gives a new viewer the last items that match, oldest first, within the backlog size', () => {
    const feed = new LiveFeed({ backlogSize: 3, maxCustomers: 10 });
    for (let i = 1; i <= 5; i++) feed.addChange(change(`C-${i}`, 'value_tier', null, i % 2 ? 'high' : 'low'));
    expect(feed.subscribe({}, () => undefined).backlog.map((i) => i.customerId)).toEqual(['C-3', 'C-4', 'C-5']);
    expect(feed.subscribe({ segment: 'high' }, () => undefined).backlog.map((i) => i.customerId)).toEqual(['C-3', 'C-5']);
  });

  it('forgets erased customers: out of the backlog, their tier unknown', () => {
    const feed = new LiveFeed({ backlogSize: 10, maxCustomers: 10 });
    feed.addChange(change('C-1', 'value_tier', null, 'high'));
    feed.addAlert(aChurnAlert({ customerId: 'C-2', sequence: 1, level: 'watch', valueTier: 'low', eventTime: T }));
    feed.addChange(change('C-1', 'lifecycle', null, 'new'));
    feed.forget(['C-1']);
    expect(feed.subscribe({}, () => undefined).backlog.map((i) => i.customerId)).toEqual(['C-2']);
    expect(feed.knowsTier('C-1')).toBe(false);
    expect(feed.knowsTier('C-2')).toBe(true);
  });

  it('carries the alert episode and what the alert did to it, null on an alert from before episodes', () => {
    const feed = new LiveFeed({ backlogSize: 10, maxCustomers: 10 });
    const escalated = feed.addAlert(
      aChurnAlert({
        customerId: 'C-1',
        sequence: 2,
        level: 'critical',
        eventTime: T,
        episodeId: 'C-1/episode/4',
        episodeEvent: 'escalated',
      }),
    );
    expect(escalated).toMatchObject({ kind: 'churn_alert', episodeId: 'C-1/episode/4', episodeEvent: 'escalated' });
    const older = feed.addAlert(
      aChurnAlert({ customerId: 'C-2', sequence: 1, level: 'watch', eventTime: T, episodeId: null, episodeEvent: null }),
    );
    expect(older).toMatchObject({ episodeId: null, episodeEvent: null });
  });

  it("tags every change with the customer's value tier learnt from the stream, forgetting the oldest customers first", () => {
    const feed = new LiveFeed({ backlogSize: 10, maxCustomers: 2 });
    expect(feed.addChange(change('C-1', 'lifecycle', null, 'new')).valueTier).toBeNull();
    feed.addChange(change('C-1', 'value_tier', null, 'high'));
    expect(feed.addChange(change('C-1', 'lifecycle', 'new', 'active', 2)).valueTier).toBe('high');
    feed.addAlert(aChurnAlert({ customerId: 'C-2', sequence: 1, level: 'watch', valueTier: 'low', eventTime: T }));
    expect(feed.knowsTier('C-2')).toBe(true);
    feed.rememberTier('C-3', 'medium');
    expect(feed.knowsTier('C-1')).toBe(false); // the oldest of three, with room for two
    expect(feed.knowsTier('C-3')).toBe(true);
  });
});

describe('filters', () => {
  const moved = {
    kind: 'segment_change',
    dimension: 'value_tier',
    fromSegment: 'high',
    toSegment: 'medium',
    valueTier: 'medium',
  } as FeedItem;
  const alert = { kind: 'churn_alert', level: 'warning', valueTier: 'high' } as FeedItem;
  it('match a segment on either side of a change', () => {
    expect(matches(moved, { segment: 'high' })).toBe(true);
    expect(matches(moved, { segment: 'medium' })).toBe(true);
    expect(matches(moved, { segment: 'low' })).toBe(false);
  });
  it('keep alerts out of a dimension filter and changes out of a level filter', () => {
    expect(matches(alert, { dimension: 'value_tier' })).toBe(false);
    expect(matches(moved, { level: 'warning' })).toBe(false);
    expect(matches(alert, { level: 'warning', valueTier: 'high' })).toBe(true);
    expect(matches(alert, { valueTier: 'low' })).toBe(false);
  });
});
