import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export interface TestServices {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  /** A ClickHouse server; undefined means the embedded engine. */
  clickhouseUrl: string | undefined;
  /** Kafka Connect's REST API (with the Debezium connectors): `./dev stack up connect`. */
  connectUrl: string;
}

/**
 * The services the integration tests use: those named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
 * REDIS_URL, CLICKHOUSE_URL and CONNECT_URL when set, otherwise the ones `infra/stack.sh up` provisioned
 * (recorded in .local/stack.env).
 */
export function testServices(env: NodeJS.ProcessEnv = process.env): TestServices {
  const provisioned = readStackEnv();
  const pick = (name: string, fallback: string) => env[name] || provisioned[name] || fallback;
  return {
    kafkaBrokers: pick('KAFKA_BROKERS', '127.0.0.1:9092').split(','),
    schemaRegistryUrl: pick('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
    redisUrl: pick('REDIS_URL', 'redis://127.0.0.1:6379'),
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    connectUrl: pick('CONNECT_URL', 'http://127.0.0.1:8083'),
  };
}

function readStackEnv(): Record<string, string> {
  const file = join(process.env.SEGMENTATION_HOME ?? join(repoRoot, '.local'), 'stack.env');
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}
