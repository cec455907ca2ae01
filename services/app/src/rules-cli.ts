// The rules of the running pipeline (DESIGN.md invariant 9; docs/rules.md):
//   pnpm rules list                                   every version applied: when, by whom, why
//   pnpm rules dry-run <file>                         how many customers would move, per dimension and segment
//   pnpm rules publish <file> [--by NAME] [--note T]  put a rules file in force
//   pnpm rules restore <version> [--by NAME] [--note T]  put an earlier version in force again
//   pnpm rules population [--out FILE] [--publish] [--by NAME] [--note T]
//                                                     quantile thresholds (and the Gamma-Gamma fit of order values) from stored state, as a new version
//   pnpm rules calibrate [--after TEXT]               the same, published once the segmenters have consumed customer-events to its
//                                                     present end, unless the rules in force say population.auto: false (run after a bulk load)
// Settings from the environment as for the pipeline (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX,
// REDIS_URL, REDIS_KEY_PREFIX, GROUP_PREFIX, BASE_CURRENCY, BUSINESS_TIME_ZONE).
import { writeFileSync } from 'node:fs';
import { userInfo, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, kafkaSecurity, ReliableProducer } from '@segmentation/kafka';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { compileRules } from '@segmentation/segmentation';
import { applyRulesVersion, dryRunRules, populationRules } from '@segmentation/segmenter';
import { readRulesHistory } from '@segmentation/readers';
import type { RedisClient } from '@segmentation/state';
import { connectConfiguredRedis, loadConfig, loadRulesFile, segmenterGroupId } from './config.ts';
import { calibrateValueTiers, logEnds } from './population-calibration.ts';

const USAGE =
  'usage: pnpm rules list | dry-run <file> | publish <file> [--by NAME] [--note TEXT] | restore <version> [--by NAME] [--note TEXT] | population [--out FILE] [--publish] [--by NAME] [--note TEXT] | calibrate [--after TEXT]';

await runCommand('rules', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      by: { type: 'string' },
      note: { type: 'string' },
      out: { type: 'string' },
      publish: { type: 'boolean' },
      after: { type: 'string' },
    },
  });
  const [command, argument] = positionals;
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const logger = createLogger({ service: 'rules' }, 'warn');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'rules', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const by = { appliedBy: values.by ?? `${userInfo().username}@${hostname()}`, appliedAt: Date.now() };
  const needFile = (what: string) => {
    if (!argument) throw new ConfigError(`${command} needs ${what}\n${USAGE}`);
    return argument;
  };

  const apply = async (rules: ReturnType<typeof compileRules>, note: string, basedOn?: string) => {
    const producer = new ReliableProducer(kafka);
    await producer.connect();
    try {
      const record = await applyRulesVersion({ kafka, producer, codec }, topics, rules, { ...by, note, basedOn });
      console.log(
        `rules version ${record.version} applied by ${record.appliedBy}: each segmenter re-evaluates its partitions' customers when it reaches the control record (progress in its log, rules_reevaluation_progress)`,
      );
    } finally {
      await producer.disconnect();
    }
  };

  const withRedis = async <T>(work: (redis: RedisClient) => Promise<T>): Promise<T> => {
    const redis = await connectConfiguredRedis(config);
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  };
  const stored = {
    groupId: segmenterGroupId(config),
    customerEventsTopic: topics.customerEvents,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    timeZone: config.BUSINESS_TIME_ZONE,
  };

  switch (command) {
    case 'list': {
      const history = await readRulesHistory({ kafka, codec }, topics.rulesVersions);
      if (history.length === 0) console.log('no rules version applied yet (the segmenter applies RULES_FILE on its first start)');
      history.forEach((r, i) =>
        console.log(
          `${new Date(r.appliedAt).toISOString()}  ${r.version}  ${r.appliedBy}${r.note ? `  — ${r.note}` : ''}${i === history.length - 1 ? '  (in force)' : ''}`,
        ),
      );
      return;
    }
    case 'dry-run': {
      const rules = loadRulesFile(needFile('a rules file'), config.BASE_CURRENCY, 'rules file');
      console.log(JSON.stringify(await withRedis((redis) => dryRunRules(kafka, redis, stored, rules)), null, 2));
      return;
    }
    case 'population': {
      // From the version in force: the new version differs from it only in the computed thresholds.
      const inForce = (await readRulesHistory({ kafka, codec }, topics.rulesVersions)).at(-1);
      if (!inForce)
        throw new ConfigError(
          'no rules version is in force yet: start the segmenter (it applies RULES_FILE) or `pnpm rules publish <file>`',
        );
      const base = compileRules(inForce.content, `rules version ${inForce.version}`);
      const { text, rules, thresholds, orderValueFit, dryRun } = await withRedis(async (redis) => {
        const computed = await populationRules(kafka, redis, stored, base);
        return { ...computed, dryRun: await dryRunRules(kafka, redis, stored, computed.rules) };
      });
      // The Gamma-Gamma fit of the value section (parameters, customers, log-likelihood), or why it was skipped.
      console.log(JSON.stringify({ base: base.version, version: rules.version, ...thresholds, orderValueFit, dryRun }, null, 2));
      if (values.out) writeFileSync(values.out, text);
      if (!values.publish) return;
      if (rules.version === base.version) {
        console.log(`the population gives the thresholds already in force (version ${base.version}); nothing to publish`);
        return;
      }
      await apply(
        rules,
        values.note ?? `population thresholds from ${thresholds.counts.customers} customers (base ${base.version})`,
        base.version,
      );
      return;
    }
    case 'calibrate': {
      // What `./dev start` runs after the demo's first history load; the import command calls the same module itself.
      const logged = createLogger({ service: 'rules' }, 'info', (line) => process.stderr.write(line + '\n'));
      const ends = await logEnds(config, logged);
      const outcome = await calibrateValueTiers(config, logged, {
        trigger: values.after ?? 'a history load',
        ends,
        progress: (line) => process.stderr.write(line + '\n'),
      });
      console.log(`value tiers: ${outcome.message}`);
      // Off or already calibrated is success; anything that leaves the tiers uncalibrated is not.
      if (!['published', 'unchanged', 'off'].includes(outcome.outcome)) process.exitCode = 1;
      return;
    }
    case 'publish': {
      const rules = loadRulesFile(needFile('a rules file'), config.BASE_CURRENCY, 'rules file');
      const latest = (await readRulesHistory({ kafka, codec }, topics.rulesVersions)).at(-1);
      if (latest?.version === rules.version) {
        console.log(
          `rules version ${rules.version} is already in force (applied ${new Date(latest.appliedAt).toISOString()} by ${latest.appliedBy}); nothing to do`,
        );
        return;
      }
      await apply(rules, values.note ?? '');
      return;
    }
    case 'restore': {
      const version = needFile('a version (see `pnpm rules list`)');
      const history = await readRulesHistory({ kafka, codec }, topics.rulesVersions);
      const earlier = history.find((r) => r.version === version);
      if (!earlier) throw new ConfigError(`no rules version ${version} was ever applied; \`pnpm rules list\` shows those that were`);
      if (history.at(-1)?.version === version) {
        console.log(`rules version ${version} is already in force; nothing to do`);
        return;
      }
      await apply(
        compileRules(earlier.content, `rules version ${version}`),
        values.note ?? `restore of ${version} (first applied ${new Date(earlier.appliedAt).toISOString()} by ${earlier.appliedBy})`,
      );
      return;
    }
    default:
      throw new ConfigError(USAGE);
  }
});
