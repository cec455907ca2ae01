// The schema check that runs before a contract change ships, against the real registry.
import { describe, expect, it } from 'vitest';
import { checkSchemas } from '@segmentation/app';
import { avroSchemas, valueSubject } from '@segmentation/contracts';
import { AvroCodec } from '@segmentation/kafka';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

describe('schema check', () => {
  it('tells compatible, incompatible and new subjects apart', async () => {
    const codec = new AvroCodec(testServices().schemaRegistryUrl);
    const topic = `${uniqueName('check')}.orders`;
    await codec.register(valueSubject(topic), avroSchemas.order, 'BACKWARD');

    const order = JSON.parse(avroSchemas.order) as { fields: Array<{ name: string }> };
    const withOptionalField = JSON.stringify({
      ...order,
      fields: [...order.fields, { name: 'incoterm', type: ['null', 'string'], default: null }],
    });
    const withRequiredField = JSON.stringify({ ...order, fields: [...order.fields, { name: 'incoterm', type: 'string' }] });
    const renamedField = JSON.stringify({ ...order, fields: order.fields.map((f) => (f.name === 'amount' ? { ...f, name: 'value' } : f)) });

    const results = await checkSchemas(codec, [
      [topic, withOptionalField],
      [topic, withRequiredField],
      [topic, renamedField],
      [`${uniqueName('check')}.orders`, avroSchemas.order],
    ]);
    expect(results.map((r) => r.verdict)).toEqual(['compatible', 'incompatible', 'incompatible', 'new']);
    expect(results[0]!.subject).toBe(`${topic}-value`);
  });

  it('accepts the churn alert with its alert episode over the contract registered before episodes existed', async () => {
    const codec = new AvroCodec(testServices().schemaRegistryUrl);
    const topic = `${uniqueName('check')}.churn-alerts`;
    const alert = JSON.parse(avroSchemas.churnAlert) as { fields: Array<{ name: string }> };
    const beforeEpisodes = JSON.stringify({
      ...alert,
      fields: alert.fields.filter((f) => f.name !== 'episodeId' && f.name !== 'episodeEvent'),
    });
    await codec.register(valueSubject(topic), beforeEpisodes, 'BACKWARD');
    const required = JSON.stringify({
      ...alert,
      fields: alert.fields.map((f) => (f.name === 'episodeId' ? { name: 'episodeId', type: 'string' } : f)),
    });
    const results = await checkSchemas(codec, [
      [topic, avroSchemas.churnAlert],
      [topic, required],
    ]);
    expect(results.map((r) => r.verdict)).toEqual(['compatible', 'incompatible']);
  });
});
