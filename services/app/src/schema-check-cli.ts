// Checks the Avro contracts in schemas/avro against the Schema Registry before they ship:
//   pnpm schema-check        (SCHEMA_REGISTRY_URL, TOPIC_PREFIX as for the pipeline)
// Exits 1 when a changed schema would break a subject's compatibility mode (BACKWARD).
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, probeSchemaRegistry, topicSchemas } from '@segmentation/kafka';
import { runCommand } from '@segmentation/runtime';
import { loadConfig } from './config.ts';
import { checkSchemas } from './schema-check.ts';

await runCommand('schema-check', async () => {
  const config = loadConfig();
  await probeSchemaRegistry(config.SCHEMA_REGISTRY_URL);
  const results = await checkSchemas(new AvroCodec(config.SCHEMA_REGISTRY_URL), topicSchemas(topicNames(config.TOPIC_PREFIX)));
  for (const r of results) console.log(`${r.verdict.padEnd(12)} ${r.subject}`);
  const broken = results.filter((r) => r.verdict === 'incompatible');
  if (broken.length > 0)
    throw new Error(`${broken.length} schema(s) incompatible with what the registry holds: ${broken.map((r) => r.subject).join(', ')}`);
});
