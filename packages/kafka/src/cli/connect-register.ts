// Used by infra/stack.sh:
//   connect-register.ts URL FILE...   registers (or updates) each connector file whose ${VARIABLES}
//                                     are all set in the environment; names the ones left out
//   connect-register.ts --status URL  each connector's state and its tasks'
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { connectorStatuses, fillConnector, parseConnectorFile, putConnector } from '../connect/kafka-connect.ts';

const say = (text: string) => console.error(`[${new Date().toTimeString().slice(0, 8)}] ${text}`);
const args = process.argv.slice(2);
try {
  if (args[0] === '--status') {
    for (const c of await connectorStatuses(args[1]!)) {
      const tasks = c.tasks.map((t) => `task ${t.id} ${t.state}`).join(', ') || 'no tasks';
      console.log(`  connector ${c.name}: ${c.state} (${tasks})`);
      for (const t of c.tasks.filter((t) => t.trace)) console.log(`    task ${t.id}: ${t.trace!.split('\n')[0]}`);
    }
  } else {
    const [url, ...files] = args;
    for (const file of files) {
      const filled = fillConnector(parseConnectorFile(readFileSync(file, 'utf8'), file), process.env);
      if ('missing' in filled) {
        say(`connect: ${basename(file)} not registered: set ${filled.missing.join(', ')} (see docs/sources.md)`);
        continue;
      }
      say(`connect: connector ${filled.name} ${await putConnector(url!, filled.name, filled.config)} (${basename(file)})`);
    }
  }
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
