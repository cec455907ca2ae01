import { avroSchemas, type RulesVersionRecord } from '@segmentation/contracts';
import { ensureTopics, readTopicToEnd, rulesVersionsTopic, type AvroCodec, type Kafka } from '@segmentation/kafka';

/** Creates the rules registry topic if it is not there yet (one partition, kept for good). */
export const ensureRegistryTopic = (kafka: Kafka, topic: string) => ensureTopics(kafka, [rulesVersionsTopic(topic)]);

/** Every application of a rules version (`rules-versions`, DESIGN.md invariant 9), oldest first. */
export async function readRulesHistory(deps: { kafka: Kafka; codec: AvroCodec }, topic: string): Promise<RulesVersionRecord[]> {
  await ensureRegistryTopic(deps.kafka, topic);
  const history: Array<{ offset: bigint; record: RulesVersionRecord }> = [];
  await readTopicToEnd(deps.kafka, topic, async (m) => {
    history.push({ offset: BigInt(m.offset), record: await deps.codec.decode<RulesVersionRecord>(m.value, avroSchemas.rulesVersion) });
  });
  return history.sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((h) => h.record);
}
