import { describe, expect, it } from 'vitest';
import { topicNames } from '@segmentation/contracts';
import { topicSchemas, topicSpecs } from './pipeline-topics.ts';
import { topicMismatches } from './topics-admin.ts';

// The alert-workflow topic holds the history of the work on churn alert episodes: it is created
// kept without time limit and not compacted, and an existing one that would lose records refuses the start.

const t = topicNames('x.');
const spec = topicSpecs(t).find((s) => s.topic === 'x.alert-workflow')!;

describe('the alert-workflow topic', () => {
  it('is created without time limit, not compacted, with its schema and dead-letter twin', () => {
    expect(spec).toMatchObject({ partitions: 12, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' } });
    expect(topicSpecs(t).map((s) => s.topic)).toContain('x.alert-workflow.dlq');
    expect(topicSchemas(t).map(([topic]) => topic)).toContain('x.alert-workflow');
  });

  it('refuses an existing topic that is compacted or has a time limit', () => {
    expect(
      topicMismatches(spec, { partitions: 12, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' } }),
    ).toEqual([]);
    const compacted = topicMismatches(spec, {
      partitions: 12,
      config: { 'cleanup.policy': 'compact', 'retention.ms': '604800000', 'retention.bytes': '-1' },
    });
    expect(compacted).toEqual([
      expect.stringMatching(/cleanup\.policy=compact; it needs cleanup\.policy=delete/),
      expect.stringMatching(/retention\.ms=604800000; it needs retention\.ms=-1/),
    ]);
  });
});
