import type { CustomerView } from '@segmentation/readers';
import type { AlertView, HistoryQueries, SegmentExplanation, TimelineEntry } from './history-queries.ts';

/** One customer as the drill-down shows it. */
export interface CustomerDetailsView {
  customerId: string;
  /** Event time the features are computed at (the customer's latest applied event); null without state. */
  asOf: number | null;
  features: Record<string, number>;
  profile: Record<string, string>;
  segments: Array<Omit<SegmentExplanation, 'sequence'>>;
  churn: AlertView | null;
  timeline: TimelineEntry[];
}

export interface CustomerDetails {
  details(customerId: string): Promise<CustomerDetailsView | undefined>;
}

const TIMELINE_ENTRIES = 200;

/**
 * Joins the live state (Redis: features and the segment of every dimension now) with the history
 * (ClickHouse: the change behind each segment with its explanation, the latest churn alert, the
 * timeline). Redis is the truth for "now"; ClickHouse lags it by the sink's flush interval, so a
 * segment whose change has not arrived yet is shown without its explanation rather than hidden.
 */
export function customerDetails(deps: {
  history: HistoryQueries;
  /** The live state, when this process reads Redis. */
  state?: (customerId: string) => Promise<CustomerView | undefined>;
  /** Dimensions in the rules' order: memberships that are not dimensions are not segments. */
  dimensionNames: () => Promise<string[]>;
}): CustomerDetails {
  return {
    async details(customerId) {
      const [view, explained, churn, timeline, dimensions] = await Promise.all([
        deps.state?.(customerId),
        deps.history.currentSegments(customerId),
        deps.history.latestAlert(customerId),
        deps.history.timeline(customerId, TIMELINE_ENTRIES),
        deps.dimensionNames(),
      ]);
      if (view === undefined && explained.length === 0 && timeline.length === 0) return undefined;
      const byDimension = new Map(explained.map((e) => [e.dimension, e]));
      const segments =
        view === undefined
          ? explained.map(({ sequence: _, ...e }) => e)
          : dimensions.flatMap((dimension) => {
              const m = view.memberships[dimension];
              if (m === undefined) return [];
              const e = byDimension.get(dimension);
              const sameChange = e !== undefined && e.sequence === m.sequence;
              return [
                {
                  dimension,
                  segment: m.segment,
                  since: m.since,
                  rule: m.rule,
                  strategy: sameChange ? e.strategy : '',
                  reasons: sameChange ? e.reasons : [],
                  flags: sameChange ? e.flags : [],
                },
              ];
            });
      return {
        customerId,
        asOf: view?.asOf ?? null,
        features: view?.features ?? {},
        profile: view?.profile ?? {},
        segments,
        churn: churn ?? null,
        timeline,
      };
    },
  };
}
