// A complaint's life in the service desk: OPENED, perhaps ESCALATED, RESOLVED days later with a
// satisfaction score and sometimes an NPS answer. How it goes depends on the customer's mood.
import type { Complaint, ComplaintCategory, ComplaintSeverity } from '@segmentation/contracts';
import { DAY_MS, HOUR_MS } from './calendar.ts';
import type { Rng } from './rng.ts';
import * as S from './settings.ts';
import type { IndependentRecord } from './types.ts';

/** normal: an ordinary complaint; angry: after a severe failure; mishandled: the complaint itself goes badly. */
export type Mood = 'normal' | 'angry' | 'mishandled';

export interface ComplaintSpec {
  customerId: string;
  complaintId: string;
  category: ComplaintCategory;
  severity: ComplaintSeverity;
  openedAt: number;
  shipmentId: string | null;
  mood: Mood;
}

const second = (ms: number): number => Math.round(ms / 1000) * 1000;

/** The complaint's events, dropping any that fall at or after `end` (not yet happened). */
export function complaintRecords(spec: ComplaintSpec, rng: Rng, end: number): IndependentRecord[] {
  const base = {
    customerId: spec.customerId,
    complaintId: spec.complaintId,
    category: spec.category,
    severity: spec.severity,
    shipmentId: spec.shipmentId,
  };
  const event = (
    suffix: string,
    action: Complaint['action'],
    eventTime: number,
    satisfactionScore: number | null,
    npsScore: number | null,
  ): IndependentRecord => ({
    kind: 'complaint',
    value: { ...base, eventId: `${spec.complaintId}:${suffix}`, action, eventTime: second(eventTime), satisfactionScore, npsScore },
  });

  const out: IndependentRecord[] = [event('opened', 'OPENED', spec.openedAt, null, null)];
  let last = spec.openedAt;
  // A mishandled complaint is bounced up twice; others escalate with a chance growing with severity.
  const escalations =
    spec.mood === 'mishandled' ? 2 : rng.chance(S.ESCALATION_PROBABILITY[spec.severity] + (spec.mood === 'angry' ? 0.2 : 0)) ? 1 : 0;
  for (let n = 1; n <= escalations; n++) {
    last += rng.uniform(1, 6) * DAY_MS;
    out.push(event(`escalated:${n}`, 'ESCALATED', last, null, null));
  }
  const [lo, hi] = S.RESOLUTION_DAYS[spec.mood];
  const resolvedAt = Math.max(spec.openedAt + rng.uniform(lo, hi) * DAY_MS, last + rng.uniform(4, 48) * HOUR_MS);
  const satisfaction = rng.weighted(S.SATISFACTION[spec.mood]);
  let nps: number | null = null;
  if (rng.chance(S.NPS_ANSWERED[spec.mood])) {
    nps =
      spec.mood === 'normal'
        ? Math.min(10, Math.max(0, Math.round(S.NPS_NORMAL.mean + S.NPS_NORMAL.sd * rng.normal())))
        : rng.int(S.NPS_DETRACTOR[spec.mood][0], S.NPS_DETRACTOR[spec.mood][1]);
  }
  out.push(event('resolved', 'RESOLVED', resolvedAt, satisfaction, nps));
  return out.filter((r) => r.value.eventTime < end);
}
