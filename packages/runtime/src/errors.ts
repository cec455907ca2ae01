// Errors that stop start-up with a message an operator can act on.

/** A setting is missing or invalid; the message names the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A service the pipeline needs does not answer; the message names it and says how to start it. */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
  readonly service: string;
  constructor(service: string, address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `${service} is not reachable at ${address} (${why}). Start it with \`./dev stack up\` ` +
        `(or \`infra/stack.sh up\`), or point the setting at a running ${service}.`,
      { cause },
    );
    this.service = service;
  }
}

/**
 * Runs a command-line tool: a bad option or setting prints its message (no stack) and exits 2;
 * a service that does not answer, or any other failure, prints its message and exits 1.
 */
export async function runCommand(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`${name}: ${message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}
