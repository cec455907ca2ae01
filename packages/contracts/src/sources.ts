import { avroSchemas } from './avro-schemas.ts';
import type { StepResult } from './dead-letter.ts';
import { normaliseComplaint } from './complaint-validation.ts';
import { normaliseOrder } from './order-validation.ts';
import { normaliseProfile } from './profile-validation.ts';
import type { CustomerEvent, SourcePosition } from './records.ts';
import { normaliseShipment } from './shipment-validation.ts';
import type { TopicNames } from './topics.ts';
import type { ValidationContext } from './validation-common.ts';

/**
 * One kind of business event the source systems publish: its topic, its Avro contract, and the
 * one function that validates and normalises it. Ingest, the import command and the simulator
 * all go through `normalise`, so a record means the same whichever way it arrived.
 */
export interface SourceContract {
  kind: 'order' | 'shipment' | 'complaint' | 'profile';
  topic: string;
  deadLetterTopic: string;
  schema: string;
  normalise(raw: unknown, key: string | null, source: SourcePosition | null, ctx: ValidationContext): StepResult<CustomerEvent>;
}

export function sourceContracts(t: TopicNames): SourceContract[] {
  return [
    { kind: 'order', topic: t.orders, deadLetterTopic: t.ordersDeadLetter, schema: avroSchemas.order, normalise: normaliseOrder },
    {
      kind: 'shipment',
      topic: t.shipments,
      deadLetterTopic: t.shipmentsDeadLetter,
      schema: avroSchemas.shipment,
      normalise: normaliseShipment,
    },
    {
      kind: 'complaint',
      topic: t.complaints,
      deadLetterTopic: t.complaintsDeadLetter,
      schema: avroSchemas.complaint,
      normalise: normaliseComplaint,
    },
    {
      kind: 'profile',
      topic: t.customerProfiles,
      deadLetterTopic: t.customerProfilesDeadLetter,
      schema: avroSchemas.customerProfile,
      normalise: normaliseProfile,
    },
  ];
}
