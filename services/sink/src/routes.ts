import {
  rowsForAlertWorkflowEvent,
  rowsForChurnAlert,
  rowsForCustomerEvent,
  rowsForFeatureSnapshot,
  rowsForRulesVersion,
  rowsForSegmentChange,
  type TableRow,
} from '@segmentation/clickhouse';
import {
  avroSchemas,
  type AlertWorkflowEvent,
  type ChurnAlert,
  type CustomerEvent,
  type FeatureSnapshot,
  type RulesVersionRecord,
  type SegmentChange,
  type TopicNames,
} from '@segmentation/contracts';
import type { ConsumedMessage } from '@segmentation/kafka';

/** One topic the sink reads: its contract, where its refusals go, and the rows a record becomes. */
export interface SinkRoute {
  topic: string;
  deadLetterTopic: string;
  schema: string;
  toRows(record: unknown, message: ConsumedMessage): TableRow[];
}

/**
 * Everything that happened goes to ClickHouse: the business events (imported history included)
 * from `customer-events`, every output of the segmenter, every rules version applied, and the
 * work people did on churn alert episodes (`alert-workflow`, written by the console).
 */
export function sinkRoutes(t: TopicNames): SinkRoute[] {
  return [
    {
      topic: t.customerEvents,
      deadLetterTopic: t.customerEventsDeadLetter,
      schema: avroSchemas.customerEvent,
      toRows: (record, m) => rowsForCustomerEvent(record as CustomerEvent, { partition: m.partition, offset: Number(m.offset) }),
    },
    {
      topic: t.segmentChanges,
      deadLetterTopic: t.segmentChangesDeadLetter,
      schema: avroSchemas.segmentChange,
      toRows: (r) => rowsForSegmentChange(r as SegmentChange),
    },
    {
      topic: t.churnAlerts,
      deadLetterTopic: t.churnAlertsDeadLetter,
      schema: avroSchemas.churnAlert,
      toRows: (r) => rowsForChurnAlert(r as ChurnAlert),
    },
    {
      topic: t.featureSnapshots,
      deadLetterTopic: t.featureSnapshotsDeadLetter,
      schema: avroSchemas.featureSnapshot,
      toRows: (r) => rowsForFeatureSnapshot(r as FeatureSnapshot),
    },
    {
      topic: t.rulesVersions,
      deadLetterTopic: t.rulesVersionsDeadLetter,
      schema: avroSchemas.rulesVersion,
      toRows: (r) => rowsForRulesVersion(r as RulesVersionRecord),
    },
    {
      topic: t.alertWorkflow,
      deadLetterTopic: t.alertWorkflowDeadLetter,
      schema: avroSchemas.alertWorkflow,
      toRows: (r) => rowsForAlertWorkflowEvent(r as AlertWorkflowEvent),
    },
  ];
}
