// Kafka Connect's REST API, for what this project needs of it: registering the change-data-capture
// connectors of infra/connect/*.json (Debezium) and reading their state. Connector files are
// templates: `${NAME}` and `${NAME:-default}` are filled from the environment when registered, so
// one file serves every installation; a file whose variables are not all set is left out, named.

export interface ConnectorFile {
  name: string;
  config: Record<string, string>;
}

export type FilledConnector = { name: string; config: Record<string, string> } | { name: string; missing: string[] };

const VARIABLE = /\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/** Parses a connector file: `{"name": "...", "config": {"key": "value", ...}}`, every value a string. */
export function parseConnectorFile(text: string, file: string): ConnectorFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const { name, config } = (doc ?? {}) as { name?: unknown; config?: unknown };
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name))
    throw new Error(`${file}: "name" must be a connector name (letters, digits, '.', '_', '-')`);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new Error(`${file}: "config" must be an object of settings`);
  for (const [key, value] of Object.entries(config))
    if (typeof value !== 'string') throw new Error(`${file}: config "${key}" must be a string (Kafka Connect's settings are strings)`);
  return { name, config: config as Record<string, string> };
}

/** The connector with its `${VARIABLES}` filled from `env`, or the variables it misses. */
export function fillConnector(file: ConnectorFile, env: Record<string, string | undefined>): FilledConnector {
  const missing = new Set<string>();
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config)) {
    config[key] = value.replace(VARIABLE, (_, variable: string, fallback: string | undefined) => {
      const set = env[variable];
      if (set !== undefined && set !== '') return set;
      if (fallback !== undefined) return fallback;
      missing.add(variable);
      return '';
    });
  }
  return missing.size > 0 ? { name: file.name, missing: [...missing].sort() } : { name: file.name, config };
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new Error(
      `Kafka Connect does not answer at ${new URL(url).origin} (${(err as Error).message}): start it with ./dev stack up connect`,
      { cause: err },
    );
  }
  const body = await res.text();
  if (!res.ok) {
    const message = (() => {
      try {
        return (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        return body;
      }
    })();
    throw new Error(`Kafka Connect answered ${res.status} to ${init?.method ?? 'GET'} ${new URL(url).pathname}: ${message}`);
  }
  return body === '' ? undefined : JSON.parse(body);
}

/** Creates the connector, or updates its config (PUT is both). Returns whether it was new. */
export async function putConnector(connectUrl: string, name: string, config: Record<string, string>): Promise<'created' | 'updated'> {
  const existed = ((await call(`${connectUrl}/connectors`)) as string[]).includes(name);
  await call(`${connectUrl}/connectors/${encodeURIComponent(name)}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, ...config }),
  });
  return existed ? 'updated' : 'created';
}

export interface ConnectorStatus {
  name: string;
  /** RUNNING, PAUSED, FAILED, UNASSIGNED, RESTARTING, STOPPED */
  state: string;
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

export async function connectorStatuses(connectUrl: string): Promise<ConnectorStatus[]> {
  const expanded = (await call(`${connectUrl}/connectors?expand=status`)) as Record<
    string,
    { status: { name: string; connector: { state: string }; tasks: Array<{ id: number; state: string; trace?: string }> } }
  >;
  return Object.values(expanded)
    .map(({ status }) => ({ name: status.name, state: status.connector.state, tasks: status.tasks }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Restarts the connector and its tasks (a connector restart as an operator would do it). */
export async function restartConnector(connectUrl: string, name: string): Promise<void> {
  await call(`${connectUrl}/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=false`, { method: 'POST' });
}

export async function deleteConnector(connectUrl: string, name: string): Promise<void> {
  await call(`${connectUrl}/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });
}
