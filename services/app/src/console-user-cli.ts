// The console's people (docs/console.md, "Users and roles"):
//   pnpm console-user add NAME --role viewer|operator|admin|bi [--file FILE] [--replace]
// (bi: a BI tool's user, for the BI endpoint only; docs/bi.md)
//   pnpm console-user remove NAME [--file FILE]
//   pnpm console-user list [--file FILE]
//   pnpm console-user audit [--user NAME] [--customer ID] [--since ISO]
// `add` makes a random secret, writes only its scrypt hash into the users file (FILE, else
// CONSOLE_USERS_FILE) and prints the person's token once; without a file it prints the entry for
// CONSOLE_USERS. The console reads the file at start-up: restart it after a change.
// `audit` prints the console's audit trail (who opened which customer, who changed what) as JSON
// lines; settings as for the pipeline (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC_PREFIX ...).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  entriesOf,
  hashSecret,
  newSecret,
  personalToken,
  USER_ROLES,
  userNameSchema,
  withoutUser,
  withUser,
  type UserRole,
} from '@segmentation/console';
import { avroSchemas, topicNames, type ConsoleAuditRecord } from '@segmentation/contracts';
import { AvroCodec, consoleAuditTopic, createKafka, ensureTopics, kafkaSecurity, readTopicToEnd } from '@segmentation/kafka';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { loadConfig } from './config.ts';

const USAGE = `usage: pnpm console-user add NAME --role ${USER_ROLES.join('|')} [--file FILE] [--replace]
       pnpm console-user remove NAME [--file FILE]
       pnpm console-user list [--file FILE]
       pnpm console-user audit [--user NAME] [--customer ID] [--since ISO]`;

await runCommand('console-user', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      file: { type: 'string' },
      replace: { type: 'boolean' },
      user: { type: 'string' },
      customer: { type: 'string' },
      since: { type: 'string' },
    },
  });
  const [command, name] = positionals;
  // Only the file's path is needed to edit it: no other setting has to be valid for that.
  const file = values.file ?? (process.env.CONSOLE_USERS_FILE?.trim() || undefined);
  switch (command) {
    case 'add': {
      const user = checkedName(name);
      const role = values.role;
      if (!USER_ROLES.includes(role as UserRole)) throw new ConfigError(`--role must be one of ${USER_ROLES.join(', ')}\n${USAGE}`);
      const secret = newSecret();
      const entry = { name: user, role: role as UserRole, secret: await hashSecret(secret) };
      if (file === undefined) {
        console.log('No users file (--file or CONSOLE_USERS_FILE). The entry, for the users: list of a file:');
        console.log(`  - ${JSON.stringify(entry)}`);
        console.log('or, as the only user of CONSOLE_USERS:');
        console.log(`  CONSOLE_USERS='${JSON.stringify({ users: [entry] })}'`);
      } else {
        const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
        // Owner-only when the command creates it: the hashes are not secrets, but no one else needs them.
        writeFileSync(file, withUser(file, text, entry, values.replace ?? false), { mode: 0o600 });
        console.log(
          `${user} (${role}) is in ${file}; restart the ${role === 'bi' ? 'pipeline process that serves the BI endpoint (BI_PORT)' : 'console'} to let them in.`,
        );
      }
      if (role === 'bi') {
        // BI tools ask for a user and a password, not a token: the same secret, split at the colon.
        console.log(
          `For their BI tool (the BI endpoint, docs/bi.md), shown this once (hand it over privately; only its hash is kept):\n  user: ${user}\n  password: ${secret}`,
        );
      } else {
        console.log(
          `Their personal access token, shown this once (hand it over privately; the console keeps only its hash):\n  ${personalToken(user, secret)}`,
        );
      }
      return;
    }
    case 'remove': {
      const path = needFile(file);
      writeFileSync(path, withoutUser(path, readFileSync(path, 'utf8'), checkedName(name)));
      console.log(`${name} is no longer in ${path}; restart the console to shut them out.`);
      return;
    }
    case 'list': {
      const path = needFile(file);
      for (const u of entriesOf(path, readFileSync(path, 'utf8'))) console.log(`${u.name.padEnd(24)} ${u.role}`);
      return;
    }
    case 'audit':
      return printAudit(values);
    default:
      throw new ConfigError(USAGE);
  }
});

function checkedName(name: string | undefined): string {
  const r = userNameSchema.safeParse(name ?? '');
  if (!r.success) throw new ConfigError(`user name ${JSON.stringify(name ?? '')}: ${r.error.issues[0]!.message}\n${USAGE}`);
  return r.data;
}

function needFile(file: string | undefined): string {
  if (file === undefined) throw new ConfigError(`name the users file: --file FILE or CONSOLE_USERS_FILE\n${USAGE}`);
  if (!existsSync(file)) throw new ConfigError(`no users file at ${file}`);
  return file;
}

async function printAudit(filter: { user?: string; customer?: string; since?: string }): Promise<void> {
  const since = filter.since === undefined ? 0 : Date.parse(filter.since);
  if (Number.isNaN(since))
    throw new ConfigError(`--since must be a time such as 2026-12-01 or 2026-12-01T08:00:00+08:00, got "${filter.since}"`);
  const config = loadConfig();
  const logger = createLogger({ service: 'console-user' }, 'warn');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'console-user-audit', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const topic = topicNames(config.TOPIC_PREFIX).consoleAudit;
  // A pipeline whose console never started has no trail yet: an empty one, not an error.
  await ensureTopics(kafka, [consoleAuditTopic(topic)]);
  await readTopicToEnd(
    kafka,
    topic,
    async (m) => {
      if (m.value === null) return;
      const r = await codec.decode<ConsoleAuditRecord>(m.value, avroSchemas.consoleAudit);
      if (
        r.at < since ||
        (filter.user !== undefined && r.user !== filter.user) ||
        (filter.customer !== undefined && !r.customerIds.includes(filter.customer))
      )
        return;
      console.log(JSON.stringify({ ...r, at: new Date(r.at).toISOString() }));
    },
    logger,
  );
}
