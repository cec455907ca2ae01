import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroSchemas } from './avro-schemas.ts';
import { aChurnAlert } from './log-builders.ts';

// The ChurnAlert type (records.ts) and schemas/avro/churn-alert.avsc describe one record: what the
// segmenter writes must come back from the topic as it was, and alerts written before alert
// episodes existed must still read.

const schema = JSON.parse(avroSchemas.churnAlert) as avro.schema.RecordType;
const type = avro.Type.forSchema(schema);
const T = Date.UTC(2026, 2, 5, 2);

describe('the churn alert contract', () => {
  it('has a field for every property of the TypeScript record and no other', () => {
    const alert = aChurnAlert({ customerId: 'C-1', sequence: 1, level: 'watch', eventTime: T });
    expect(schema.fields.map((f) => f.name).sort()).toEqual(Object.keys(alert).sort());
  });

  it('carries the episode and its event through Avro, and null on a message outside any episode', () => {
    const escalated = aChurnAlert({
      customerId: 'C-1',
      sequence: 4,
      level: 'critical',
      eventTime: T,
      episodeId: 'C-1/episode/2',
      episodeEvent: 'escalated',
    });
    expect(type.fromBuffer(type.toBuffer(escalated))).toEqual(escalated);
    const older = aChurnAlert({ customerId: 'C-1', sequence: 1, level: 'watch', eventTime: T, episodeId: null, episodeEvent: null });
    expect(type.fromBuffer(type.toBuffer(older))).toEqual(older);
  });

  it('reads an alert written before episodes existed with no episode (BACKWARD compatible)', () => {
    const before = { ...schema, fields: schema.fields.filter((f) => f.name !== 'episodeId' && f.name !== 'episodeEvent') };
    const writer = avro.Type.forSchema(before);
    const { episodeId: _, episodeEvent: __, ...written } = aChurnAlert({ customerId: 'C-1', sequence: 1, level: 'warning', eventTime: T });
    const read = type.fromBuffer(writer.toBuffer(written), type.createResolver(writer)) as Record<string, unknown>;
    expect(read).toEqual({ ...written, episodeId: null, episodeEvent: null });
  });
});
