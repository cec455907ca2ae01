import { valueSubject } from '@segmentation/contracts';
import type { AvroCodec } from '@segmentation/kafka';

export interface SchemaCheck {
  subject: string;
  verdict: 'compatible' | 'incompatible' | 'new';
}

/** Checks each topic's local schema (schemas/avro) against what the registry holds, before it ships. */
export async function checkSchemas(codec: AvroCodec, schemas: Array<[topic: string, schema: string]>): Promise<SchemaCheck[]> {
  const results: SchemaCheck[] = [];
  for (const [topic, schema] of schemas) {
    const subject = valueSubject(topic);
    results.push({ subject, verdict: await codec.checkCompatibility(subject, schema) });
  }
  return results;
}
