import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no services; `integration` runs against real Kafka, Schema Registry,
// Redis and ClickHouse (see test/README.md for how they are found or started).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.integration.test.ts', 'packages/*/src/**/*.integration.test.ts', 'services/*/src/**/*.integration.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/harness/global-setup.ts'],
          // One file at a time: they share the machine's two cores with the broker and the registry,
          // and the embedded ClickHouse allows one data folder per process.
          fileParallelism: false,
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
