// Every topic name is defined here once, with its dead-letter twin beside it.
// A prefix isolates deployments that share a cluster (and each integration test).

export interface TopicNames {
  orders: string;
  ordersDeadLetter: string;
  shipments: string;
  shipmentsDeadLetter: string;
  complaints: string;
  complaintsDeadLetter: string;
  customerProfiles: string;
  customerProfilesDeadLetter: string;
  customerEvents: string;
  customerEventsDeadLetter: string;
  segmentChanges: string;
  segmentChangesDeadLetter: string;
  churnAlerts: string;
  churnAlertsDeadLetter: string;
  featureSnapshots: string;
  featureSnapshotsDeadLetter: string;
  /** Every rules version put in force, with its content, time and publisher (DESIGN.md invariant 9). */
  rulesVersions: string;
  rulesVersionsDeadLetter: string;
  /** Customers to be forgotten (compacted, key: customer id): every role and the rebuild honour it. */
  customerErasures: string;
  /** The console's audit trail: who opened which customer, who changed what (kept, not compacted). */
  consoleAudit: string;
  /** The work on churn alert episodes (acknowledged, assigned, action taken, outcome): kept, not compacted. */
  alertWorkflow: string;
  alertWorkflowDeadLetter: string;
}

export function topicNames(prefix = ''): TopicNames {
  return {
    orders: `${prefix}orders`,
    ordersDeadLetter: `${prefix}orders.dlq`,
    shipments: `${prefix}shipments`,
    shipmentsDeadLetter: `${prefix}shipments.dlq`,
    complaints: `${prefix}complaints`,
    complaintsDeadLetter: `${prefix}complaints.dlq`,
    customerProfiles: `${prefix}customer-profiles`,
    customerProfilesDeadLetter: `${prefix}customer-profiles.dlq`,
    customerEvents: `${prefix}customer-events`,
    customerEventsDeadLetter: `${prefix}customer-events.dlq`,
    segmentChanges: `${prefix}segment-changes`,
    segmentChangesDeadLetter: `${prefix}segment-changes.dlq`,
    churnAlerts: `${prefix}churn-alerts`,
    churnAlertsDeadLetter: `${prefix}churn-alerts.dlq`,
    featureSnapshots: `${prefix}feature-snapshots`,
    featureSnapshotsDeadLetter: `${prefix}feature-snapshots.dlq`,
    rulesVersions: `${prefix}rules-versions`,
    rulesVersionsDeadLetter: `${prefix}rules-versions.dlq`,
    customerErasures: `${prefix}customer-erasures`,
    consoleAudit: `${prefix}console-audit`,
    alertWorkflow: `${prefix}alert-workflow`,
    alertWorkflowDeadLetter: `${prefix}alert-workflow.dlq`,
  };
}

/** Which dead-lettered messages were already sent back (compacted; key `partition/offset`). */
export const redriveLedgerTopic = (deadLetterTopic: string) => `${deadLetterTopic}.redriven`;

/** What the import command already wrote into `customer-events` (compacted; key: event id). */
export const importLedgerTopic = (customerEventsTopic: string) => `${customerEventsTopic}.import-ledger`;

/** Confluent's TopicNameStrategy: the value schema of topic T is registered under `T-value`. */
export const valueSubject = (topic: string) => `${topic}-value`;

/** `customer-events` partition count: divisible by 1, 2, 3, 4 and 6 instances. */
export const CUSTOMER_EVENTS_PARTITIONS = 12;
