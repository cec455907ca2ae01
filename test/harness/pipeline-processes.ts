// Pipeline processes of a test's own, started the way production starts them: `node
// services/app/src/main.ts` with its settings in the environment (one role per process). Each
// process writes its output to a log file of its own under one temp dir, so a failing test can
// point at them without flooding the test output. A process that exits without being told to fails
// every wait wrapped in `guard()` at once, with the end of its log, instead of a timeout later; a
// wait that fails otherwise names the Kafka consumer crashes the processes logged (a consumer that
// kafkajs did not restart leaves its process up, unhealthy, consuming nothing).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach } from 'vitest';
import { repoRoot } from './services.ts';

const MAIN = join(repoRoot, 'services', 'app', 'src', 'main.ts');
/** How long a SIGTERM'd process may take to drain and close before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class PipelineProcess {
  readonly name: string;
  readonly log: string;
  readonly exited: Promise<Exit>;
  /** Set once the test stops or kills the process: its exit is then expected. */
  stopping = false;
  private readonly child: ChildProcess;
  private exit: Exit | undefined;

  constructor(name: string, log: string, env: Record<string, string>, onUnexpectedExit: (p: PipelineProcess, exit: Exit) => void) {
    this.name = name;
    this.log = log;
    const out = openSync(log, 'a');
    this.child = spawn(process.execPath, [MAIN], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    closeSync(out); // the child has its own copy
    this.exited = new Promise((resolve) => {
      const settle = (exit: Exit) => {
        if (this.exit) return;
        this.exit = exit;
        if (!this.stopping) onUnexpectedExit(this, exit);
        resolve(exit);
      };
      this.child.once('exit', (code, signal) => settle({ code, signal }));
      this.child.once('error', () => settle({ code: null, signal: null })); // spawn failed: no 'exit' follows
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal` and waits until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    this.stopping = true;
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM (the orderly shutdown), then SIGKILL if it does not end in time. */
  async stop(): Promise<Exit> {
    this.stopping = true;
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), STOP_TIMEOUT_MS);
    });
    try {
      const exit = await Promise.race([this.exited, late]);
      if (exit) return exit;
    } finally {
      clearTimeout(timer);
    }
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The lines of its log saying its Kafka consumer crashed (with whether kafkajs restarts it). */
  consumerCrashes(): string[] {
    return this.logLines().filter((line) => line.includes('"event":"consumer_crashed"'));
  }

  logTail(lines = 15): string {
    return this.logLines().slice(-lines).join('\n') || '(no log)';
  }

  private logLines(): string[] {
    try {
      return readFileSync(this.log, 'utf8').trimEnd().split('\n');
    } catch {
      return [];
    }
  }
}

/** Every process a test started, and the temp dir their logs are in. */
export class PipelineProcesses {
  readonly logDir = mkdtempSync(join(tmpdir(), 'pipeline-processes-'));
  private readonly all: PipelineProcess[] = [];
  private readonly crashed: Promise<never>;
  private reportCrash: (err: Error) => void = () => undefined;

  constructor() {
    this.crashed = new Promise<never>((_, reject) => {
      this.reportCrash = reject;
    });
    this.crashed.catch(() => undefined); // observed through guard(); not unhandled meanwhile
  }

  /** Starts `node services/app/src/main.ts` with `env` over this process's environment; output goes to `<logDir>/<name>.log`. */
  start(name: string, env: Record<string, string>): PipelineProcess {
    const p = new PipelineProcess(name, join(this.logDir, `${name}.log`), env, (crashed, exit) => {
      this.reportCrash(
        new Error(
          `process ${crashed.name} exited unexpectedly (${exit.signal ?? `code ${String(exit.code)}`}); its log, ${crashed.log}, ends:\n${crashed.logTail()}`,
        ),
      );
    });
    this.all.push(p);
    return p;
  }

  /**
   * Settles like `wait`, unless a process exits unexpectedly first: then rejects with that process's
   * log. When `wait` fails, the error also quotes every consumer crash the processes logged.
   */
  async guard<T>(wait: Promise<T>): Promise<T> {
    try {
      return await Promise.race([wait, this.crashed]);
    } catch (err) {
      const crashes = this.all.flatMap((p) => p.consumerCrashes().map((line) => `${p.name}: ${line.slice(0, 600)}`));
      if (crashes.length === 0) throw err;
      throw new Error(`${(err as Error).message}\nKafka consumer crashes the processes logged meanwhile:\n${crashes.join('\n')}`, {
        cause: err,
      });
    }
  }

  /** Stops every process still running (orderly, then forcibly), all at once. */
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }

  /** Removes the logs: after a run that passed, nobody needs them. */
  removeLogs(): void {
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

/**
 * The pipeline processes of a test file: when a test fails, says where their logs (and ClickHouse
 * folders) are and keeps them; after the file, stops every process, removes the logs of a run that
 * passed, and runs `cleanUp` (the runs' topics and keys).
 */
export function processesOfTestFile(label: string, cleanUp: () => Promise<void>): PipelineProcesses {
  const processes = new PipelineProcesses();
  let failed = false;
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      failed = true;
      console.error(`${label}: the processes' logs are in ${processes.logDir}`);
    }),
  );
  afterAll(async () => {
    await processes.stopAll();
    if (!failed) processes.removeLogs();
    await cleanUp();
  });
  return processes;
}
