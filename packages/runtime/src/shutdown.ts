import type { Logger } from './logger.ts';

/**
 * Runs the given steps once, in order, on SIGTERM or SIGINT: stop fetching, drain, flush sinks,
 * disconnect producers, close stores. A second signal exits at once.
 */
export function onShutdown(logger: Logger, steps: Array<[name: string, run: () => Promise<void>]>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutdown_started', { signal });
    let failed = false;
    for (const [name, run] of steps) {
      try {
        await run();
      } catch (err) {
        failed = true;
        logger.error('shutdown_step_failed', { step: name, err });
      }
    }
    logger.info('shutdown_finished', { failed });
    process.exit(failed ? 1 : 0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
