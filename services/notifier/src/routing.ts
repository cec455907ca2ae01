import type { ChurnAlert, SegmentChange } from '@segmentation/contracts';
import type { AlertRoute, SegmentChangeRoute } from './config.ts';

// Which receivers hear of what: every matching route adds its receivers, each receiver once.

/** What routing knows of the customer beyond the alert: from the profile in Redis, absent until a profile arrived. */
export interface CustomerFacts {
  region?: string | undefined;
  accountManager?: string | undefined;
}

/** Whether any route looks at the profile: only then is the customer read from Redis. */
export const routesNeedProfile = (routes: readonly AlertRoute[]): boolean =>
  routes.some((r) => r.match.regions !== undefined || r.match.accountManagers !== undefined);

const within = (list: readonly string[] | undefined, value: string | null | undefined): boolean =>
  list === undefined || (value !== null && value !== undefined && list.includes(value));

/** What of the alert a route looks at. */
export type RoutedAlert = Pick<ChurnAlert, 'level' | 'valueTier' | 'cause'>;

export function alertMatches(route: AlertRoute, alert: RoutedAlert, customer: CustomerFacts): boolean {
  const m = route.match;
  return (
    within(m.levels, alert.level) &&
    within(m.valueTiers, alert.valueTier) &&
    within(m.causes, alert.cause) &&
    within(m.regions, customer.region) &&
    within(m.accountManagers, customer.accountManager)
  );
}

/** The receivers of a churn alert, in the order the routes first name them. */
export function alertReceivers(routes: readonly AlertRoute[], alert: RoutedAlert, customer: CustomerFacts): string[] {
  return union(routes.filter((r) => alertMatches(r, alert, customer)));
}

/** `from: [none]` selects a customer's first segment in the dimension (a change from none). */
export function changeMatches(route: SegmentChangeRoute, change: Pick<SegmentChange, 'dimension' | 'fromSegment' | 'toSegment'>): boolean {
  return route.dimension === change.dimension && within(route.from, change.fromSegment ?? 'none') && within(route.to, change.toSegment);
}

export function changeReceivers(
  routes: readonly SegmentChangeRoute[],
  change: Pick<SegmentChange, 'dimension' | 'fromSegment' | 'toSegment'>,
): string[] {
  return union(routes.filter((r) => changeMatches(r, change)));
}

const union = (routes: ReadonlyArray<{ receivers: string[] }>): string[] => [...new Set(routes.flatMap((r) => r.receivers))];
