import { z } from 'zod';
import { deadLetter, ok, type StepResult } from './dead-letter.ts';
import type { Complaint, CustomerEvent, SourcePosition } from './records.ts';
import { checkCommon, epochMs, identifier, type ValidationContext } from './validation-common.ts';

// What Avro cannot say about a complaint: the zod mirror of schemas/avro/complaint.avsc.
export const complaintSchema = z.object({
  eventId: identifier,
  customerId: identifier,
  complaintId: identifier,
  action: z.enum(['OPENED', 'ESCALATED', 'RESOLVED']),
  category: z.enum(['DELAY', 'DAMAGE', 'LOSS', 'BILLING', 'SERVICE_ATTITUDE', 'OTHER']),
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
  eventTime: epochMs,
  shipmentId: identifier.nullable(),
  satisfactionScore: z.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5').nullable(),
  npsScore: z.number().int().min(0, 'must be 0 to 10').max(10, 'must be 0 to 10').nullable(),
});

/** Validates a complaint event and normalises it into a `customer-events` record, or says why not. */
export function normaliseComplaint(
  raw: Complaint,
  key: string | null,
  source: SourcePosition | null,
  ctx: ValidationContext,
): StepResult<CustomerEvent> {
  const checked = checkCommon(complaintSchema, raw, key, ctx);
  if (!checked.ok) return checked;
  const c = checked.value;
  if (c.satisfactionScore !== null && c.action !== 'RESOLVED') {
    return deadLetter('invalid_value', 'satisfactionScore: given only when a complaint is RESOLVED');
  }
  const { eventId, customerId, eventTime, ...complaint } = c;
  return ok({ eventId, customerId, eventTime, source, body: { 'segmentation.log.ComplaintRecorded': complaint } });
}
