import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroSchemas } from './avro-schemas.ts';
import { anAlertWorkflowEvent } from './log-builders.ts';

// The AlertWorkflowEvent type (records.ts) and schemas/avro/alert-workflow.avsc describe one record:
// what the console writes must come back from the topic as it was, for every kind.

const schema = JSON.parse(avroSchemas.alertWorkflow) as avro.schema.RecordType;
const type = avro.Type.forSchema(schema);
const T = Date.UTC(2026, 11, 7, 6);

describe('the alert workflow contract', () => {
  it('has a field for every property of the TypeScript record and no other', () => {
    expect(schema.fields.map((f) => f.name).sort()).toEqual(
      Object.keys(anAlertWorkflowEvent({ episodeId: 'C-1/episode/1', at: T })).sort(),
    );
  });

  it('carries every kind through Avro unchanged', () => {
    for (const kind of ['acknowledged', 'assigned', 'action_taken', 'closed_with_outcome'] as const) {
      const record = anAlertWorkflowEvent({
        episodeId: 'C-1/episode/1',
        at: T,
        kind,
        note: kind === 'closed_with_outcome' ? '已续约 renewed' : '',
      });
      expect(type.fromBuffer(type.toBuffer(record)), kind).toEqual(record);
    }
  });
});
