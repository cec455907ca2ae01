import type { ChurnAlert, SegmentChange } from '@segmentation/contracts';
import { structureReason, type StructuredReason } from '@segmentation/segmentation';

// The console's live feed: segment changes and churn alerts as viewers see them, a short backlog
// for a viewer who just arrived, and each viewer's filter. Pure: the Kafka tail feeds it.

export interface SegmentChangeItem {
  kind: 'segment_change';
  changeId: string;
  customerId: string;
  dimension: string;
  fromSegment: string | null;
  toSegment: string;
  cause: string;
  rule: string;
  strategy: string;
  /** Read from the feature's side (structureReason): the page renders them without parsing conditions. */
  reasons: StructuredReason[];
  eventTime: number;
  detectedAt: number;
  /** The customer's value tier as last seen by this console (null until one was seen). */
  valueTier: string | null;
}

export interface ChurnAlertItem {
  kind: 'churn_alert';
  alertId: string;
  customerId: string;
  level: ChurnAlert['level'];
  previousLevel: string | null;
  riskScore: number;
  reasons: ChurnAlert['reasons'];
  action: string;
  valueTier: string | null;
  eventTime: number;
  detectedAt: number;
  /** The alert episode (预警事件) and what this alert did to it; null on alerts from before episodes. */
  episodeId: string | null;
  episodeEvent: ChurnAlert['episodeEvent'];
}

export type FeedItem = SegmentChangeItem | ChurnAlertItem;

/** What a viewer asked to see; an absent field matches everything. */
export interface FeedFilter {
  dimension?: string;
  segment?: string;
  level?: string;
  valueTier?: string;
}

/** A segment filter matches a change into or out of that segment; a level filter matches alerts only. */
export function matches(item: FeedItem, f: FeedFilter): boolean {
  if (f.valueTier !== undefined && item.valueTier !== f.valueTier) return false;
  if (item.kind === 'segment_change') {
    if (f.level !== undefined) return false;
    if (f.dimension !== undefined && item.dimension !== f.dimension) return false;
    if (f.segment !== undefined && item.toSegment !== f.segment && item.fromSegment !== f.segment) return false;
    return true;
  }
  if (f.dimension !== undefined || f.segment !== undefined) return false;
  return f.level === undefined || item.level === f.level;
}

export const VALUE_TIER = 'value_tier';

export class LiveFeed {
  private readonly backlog: FeedItem[] = [];
  private readonly viewers = new Set<(item: FeedItem) => void>();
  /** Value tier per customer, learnt from the stream; bounded (oldest forgotten first). */
  private readonly tiers = new Map<string, string>();
  private readonly backlogSize: number;
  private readonly maxCustomers: number;

  constructor(opts: { backlogSize: number; maxCustomers: number }) {
    this.backlogSize = opts.backlogSize;
    this.maxCustomers = opts.maxCustomers;
  }

  addChange(c: SegmentChange): FeedItem {
    if (c.dimension === VALUE_TIER) this.rememberTier(c.customerId, c.toSegment);
    return this.publish({
      kind: 'segment_change',
      changeId: c.changeId,
      customerId: c.customerId,
      dimension: c.dimension,
      fromSegment: c.fromSegment,
      toSegment: c.toSegment,
      cause: c.cause,
      rule: c.rule,
      strategy: c.strategy,
      reasons: c.reasons.map(structureReason),
      eventTime: c.eventTime,
      detectedAt: c.detectedAt,
      valueTier: this.tiers.get(c.customerId) ?? null,
    });
  }

  addAlert(a: ChurnAlert): FeedItem {
    if (a.valueTier !== null) this.rememberTier(a.customerId, a.valueTier);
    return this.publish({
      kind: 'churn_alert',
      alertId: a.alertId,
      customerId: a.customerId,
      level: a.level,
      previousLevel: a.previousLevel,
      riskScore: a.riskScore,
      reasons: a.reasons,
      action: a.action,
      valueTier: a.valueTier,
      eventTime: a.eventTime,
      detectedAt: a.detectedAt,
      episodeId: a.episodeId,
      episodeEvent: a.episodeEvent,
    });
  }

  /** The backlog a new viewer gets (oldest first), then every new item that matches, until unsubscribed. */
  subscribe(filter: FeedFilter, send: (item: FeedItem) => void): { backlog: FeedItem[]; unsubscribe(): void } {
    const viewer = (item: FeedItem) => {
      if (matches(item, filter)) send(item);
    };
    this.viewers.add(viewer);
    return { backlog: this.backlog.filter((i) => matches(i, filter)), unsubscribe: () => this.viewers.delete(viewer) };
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  private publish(item: FeedItem): FeedItem {
    this.backlog.push(item);
    if (this.backlog.length > this.backlogSize) this.backlog.shift();
    for (const viewer of this.viewers) viewer(item);
    return item;
  }

  /** Forgets erased customers: their items leave the backlog, their tier is no longer known. */
  forget(customerIds: readonly string[]): void {
    const erased = new Set(customerIds);
    const kept = this.backlog.filter((i) => !erased.has(i.customerId));
    this.backlog.splice(0, this.backlog.length, ...kept);
    for (const id of erased) this.tiers.delete(id);
  }

  knowsTier(customerId: string): boolean {
    return this.tiers.has(customerId);
  }

  rememberTier(customerId: string, tier: string): void {
    this.tiers.delete(customerId); // re-insert: Map order is the forgetting order
    this.tiers.set(customerId, tier);
    if (this.tiers.size > this.maxCustomers) this.tiers.delete(this.tiers.keys().next().value!);
  }
}
