import { describe, expect, it } from 'vitest';
import { topicMismatches, type TopicSpec } from './topics-admin.ts';

const events: TopicSpec = {
  topic: 'customer-events',
  partitions: 12,
  config: { 'retention.ms': '-1', 'retention.bytes': '-1' },
  needs: 'the source of truth',
};

describe('an existing topic against what the design needs', () => {
  it('names the topic, the setting, what it is and what it must be', () => {
    const problems = topicMismatches(events, { partitions: 6, config: { 'retention.ms': '604800000', 'retention.bytes': '-1' } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^Kafka topic customer-events has 6 partitions; it needs 12 \(the source of truth\)/);
    expect(problems[1]).toMatch(
      /^Kafka topic customer-events has retention\.ms=604800000; it needs retention\.ms=-1 \(the source of truth\)\. Fix: kafka-configs\.sh .* --entity-name customer-events --add-config retention\.ms=-1$/,
    );
  });

  it('accepts a topic as needed, and checks nothing of one the design leaves to the operator', () => {
    expect(topicMismatches(events, { partitions: 12, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } })).toEqual([]);
    expect(topicMismatches({ ...events, needs: undefined }, { partitions: 1, config: {} })).toEqual([]);
  });
});
