import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './services.ts';

const run = promisify(execFile);

/**
 * A Kafka broker and a Schema Registry of a test's own, started by the project's own
 * infra/stack.sh under a temporary home and on other ports, so the test can stop and restart
 * them without disturbing other tests. Downloads come from the shared cache.
 */
export class PrivateStack {
  readonly home = mkdtempSync(join(tmpdir(), 'segmentation-stack-'));
  readonly kafkaPort: number;
  readonly registryPort: number;

  /** Settings for infra/stack.sh, e.g. KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD for a broker with a SCRAM user. */
  private readonly env: Record<string, string>;

  constructor(kafkaPort: number, registryPort: number, env: Record<string, string> = {}) {
    this.kafkaPort = kafkaPort;
    this.registryPort = registryPort;
    this.env = env;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.kafkaPort}`];
  }

  /** The CA a broker made with KAFKA_TLS=true signed its certificate with (infra/stack.sh). */
  get kafkaCaFile(): string {
    return join(this.home, 'kafka', 'tls', 'ca.pem');
  }

  get registryUrl(): string {
    return `http://127.0.0.1:${this.registryPort}/apis/ccompat/v7`;
  }

  async up(...services: Array<'kafka' | 'registry'>): Promise<void> {
    await this.stack('up', services);
  }

  async down(...services: Array<'kafka' | 'registry'>): Promise<void> {
    await this.stack('down', services);
  }

  async destroy(): Promise<void> {
    await this.down('kafka', 'registry');
    rmSync(this.home, { recursive: true, force: true });
  }

  private async stack(command: string, services: string[]): Promise<void> {
    await run('bash', [join(repoRoot, 'infra', 'stack.sh'), command, ...services], {
      env: {
        ...process.env,
        SEGMENTATION_HOME: this.home,
        SEGMENTATION_CACHE: join(repoRoot, '.local', 'cache'),
        KAFKA_PORT: String(this.kafkaPort),
        REGISTRY_PORT: String(this.registryPort),
        KAFKA_HEAP: '-Xms128m -Xmx512m',
        ...this.env,
      },
      timeout: 180_000,
    });
  }
}
