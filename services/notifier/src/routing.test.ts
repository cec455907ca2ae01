import { describe, expect, it } from 'vitest';
import { parseNotifierConfig } from './config.ts';
import { alertReceivers, changeReceivers, routesNeedProfile } from './routing.ts';

const config = parseNotifierConfig(
  `
receivers:
  - { name: critical, type: webhook, url: "http://h/1" }
  - { name: vip, type: webhook, url: "http://h/2" }
  - { name: east, type: webhook, url: "http://h/3" }
  - { name: li, type: webhook, url: "http://h/4" }
  - { name: all, type: webhook, url: "http://h/5" }
  - { name: rules-review, type: webhook, url: "http://h/6" }
routes:
  - match: { levels: [critical] }
    receivers: [critical]
  - match: { valueTiers: [high], levels: [warning, critical] }
    receivers: [vip, critical]
  - match: { regions: [East China] }
    receivers: [east]
  - match: { accountManagers: [AM-Li], levels: [cleared] }
    receivers: [li]
  - match: { causes: [rules_changed] }
    receivers: [rules-review]
segmentChanges:
  - { dimension: value_tier, from: [high], receivers: [vip] }
  - { dimension: lifecycle, to: [churned], receivers: [all] }
  - { dimension: lifecycle, from: [none], receivers: [east] }
`,
  {},
);

describe('routing a churn alert', () => {
  it('sends to the union of the receivers of every matching route, each once', () => {
    expect(alertReceivers(config.routes, { level: 'critical', valueTier: 'high', cause: 'event' }, {})).toEqual(['critical', 'vip']);
    expect(alertReceivers(config.routes, { level: 'warning', valueTier: 'high', cause: 'event' }, {})).toEqual(['vip', 'critical']);
    expect(alertReceivers(config.routes, { level: 'warning', valueTier: 'low', cause: 'event' }, {})).toEqual([]);
  });

  it('matches the region and account manager of the customer profile; an unknown one matches no list', () => {
    expect(alertReceivers(config.routes, { level: 'watch', valueTier: 'low', cause: 'event' }, { region: 'East China' })).toEqual(['east']);
    expect(alertReceivers(config.routes, { level: 'watch', valueTier: 'low', cause: 'event' }, { region: 'South China' })).toEqual([]);
    expect(alertReceivers(config.routes, { level: 'cleared', valueTier: null, cause: 'event' }, { accountManager: 'AM-Li' })).toEqual([
      'li',
    ]);
    expect(alertReceivers(config.routes, { level: 'watch', valueTier: null, cause: 'event' }, { accountManager: 'AM-Li' })).toEqual([]);
    expect(alertReceivers(config.routes, { level: 'warning', valueTier: null, cause: 'event' }, {})).toEqual([]);
  });

  it("matches the alert's cause, so the alerts of a rules change go where they can be looked at together", () => {
    expect(alertReceivers(config.routes, { level: 'critical', valueTier: 'high', cause: 'rules_changed' }, {})).toEqual([
      'critical',
      'vip',
      'rules-review',
    ]);
    expect(alertReceivers(config.routes, { level: 'watch', valueTier: 'low', cause: 'rules_changed' }, {})).toEqual(['rules-review']);
    for (const cause of ['event', 'timer', 'profile'] as const)
      expect(alertReceivers(config.routes, { level: 'watch', valueTier: 'low', cause }, {})).toEqual([]);
  });

  it('reads the profile only when a route looks at it', () => {
    expect(routesNeedProfile(config.routes)).toBe(true);
    expect(routesNeedProfile(config.routes.slice(0, 2))).toBe(false);
  });
});

describe('routing a segment change', () => {
  it('selects by dimension, segments left and segments entered; none is a first segment', () => {
    expect(changeReceivers(config.segmentChanges, { dimension: 'value_tier', fromSegment: 'high', toSegment: 'medium' })).toEqual(['vip']);
    expect(changeReceivers(config.segmentChanges, { dimension: 'value_tier', fromSegment: 'medium', toSegment: 'high' })).toEqual([]);
    expect(changeReceivers(config.segmentChanges, { dimension: 'lifecycle', fromSegment: 'at_risk', toSegment: 'churned' })).toEqual([
      'all',
    ]);
    expect(changeReceivers(config.segmentChanges, { dimension: 'lifecycle', fromSegment: null, toSegment: 'new' })).toEqual(['east']);
    expect(changeReceivers(config.segmentChanges, { dimension: 'loyalty', fromSegment: 'high', toSegment: 'low' })).toEqual([]);
  });
});
