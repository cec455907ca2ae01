import { z } from 'zod';
import { deadLetter, ok, type StepResult } from './dead-letter.ts';
import type { CustomerEvent, CustomerProfile, SourcePosition } from './records.ts';
import { checkCommon, country, epochMs, freeText, identifier, type ValidationContext } from './validation-common.ts';

// What Avro cannot say about a profile: the zod mirror of schemas/avro/customer-profile.avsc.
export const profileSchema = z.object({
  eventId: identifier,
  customerId: identifier,
  eventTime: epochMs,
  industry: z.enum(['MANUFACTURING', 'RETAIL', 'E_COMMERCE', 'OTHER']),
  customerType: z.enum(['SHIPPER', 'CARGO_OWNER', 'SHIPPING_LINE', 'FORWARDER', 'AGENT']),
  country,
  region: freeText.nullable(),
  accountManager: freeText.nullable(),
  signedUpAt: epochMs,
});

/** Validates a profile update and normalises it into a `customer-events` record, or says why not. */
export function normaliseProfile(
  raw: CustomerProfile,
  key: string | null,
  source: SourcePosition | null,
  ctx: ValidationContext,
): StepResult<CustomerEvent> {
  const checked = checkCommon(profileSchema, raw, key, ctx);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (p.signedUpAt > ctx.now + ctx.maxFutureSkewMs) return deadLetter('future_event_time', 'signedUpAt: lies in the future');
  const { eventId, customerId, eventTime, ...profile } = p;
  return ok({ eventId, customerId, eventTime, source, body: { 'segmentation.log.ProfileRecorded': profile } });
}
