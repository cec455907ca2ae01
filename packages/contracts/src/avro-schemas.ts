import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The Avro contracts are files under schemas/avro, so other languages and the registry check
// read the same source of truth.
const dir = join(import.meta.dirname, '..', '..', '..', 'schemas', 'avro');
const load = (file: string): string => JSON.stringify(JSON.parse(readFileSync(join(dir, file), 'utf8')));

export const avroSchemas = {
  order: load('order.avsc'),
  shipment: load('shipment.avsc'),
  complaint: load('complaint.avsc'),
  customerProfile: load('customer-profile.avsc'),
  customerEvent: load('customer-event.avsc'),
  segmentChange: load('segment-change.avsc'),
  churnAlert: load('churn-alert.avsc'),
  featureSnapshot: load('feature-snapshot.avsc'),
  rulesVersion: load('rules-version.avsc'),
  customerErasure: load('customer-erasure.avsc'),
  consoleAudit: load('console-audit.avsc'),
  alertWorkflow: load('alert-workflow.avsc'),
} as const;
