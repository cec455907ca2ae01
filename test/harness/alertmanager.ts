// A private Prometheus Alertmanager (Debian's prometheus-alertmanager, provisioned by
// infra/os-packages.sh): its own port, storage folder and config with a null receiver, clustering
// off, so the notifier's posts reach a real Alertmanager API v2 and nothing is sent anywhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for.ts';
import { freePort } from './free-port.ts';

const BINARY = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const HOST = '127.0.0.1';

const CONFIG = `
route:
  receiver: 'null'
  group_wait: 1s
receivers:
  - name: 'null'
`;

export interface AlertmanagerHandle {
  /** The base URL, as a notifier receiver takes it. */
  url: string;
  /** The alerts GET /api/v2/alerts returns (active, not resolved), as Alertmanager gives them. */
  alerts(filter?: string[]): Promise<
    Array<{
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
      status: { state: string };
    }>
  >;
  stop(): Promise<void>;
}

export async function startAlertmanager(): Promise<AlertmanagerHandle> {
  if (!existsSync(BINARY))
    throw new Error(
      `${BINARY} is missing: run infra/os-packages.sh (it installs Debian's prometheus-alertmanager), or set ALERTMANAGER_BIN`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort(HOST);
  const url = `http://${HOST}:${port}`;
  const logFile = join(dir, 'alertmanager.log');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${HOST}:${port}`,
      '--cluster.listen-address=', // empty: no gossip cluster, no second port
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `Alertmanager ready on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
        return (
          (await fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
          )) || undefined
        );
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async alerts(filter = []) {
      const query = new URLSearchParams(filter.map((f): [string, string] => ['filter', f]));
      const res = await fetch(`${url}/api/v2/alerts?${query.toString()}`);
      if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Awaited<ReturnType<AlertmanagerHandle['alerts']>>;
    },
    stop,
  };
}
