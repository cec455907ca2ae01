import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { ConfigError } from '@segmentation/runtime';
import { parseConsoleUsers, type ConsoleUserEntry, type UserRole } from './console-users.ts';

// Edits of a users file by the console-user command. YAML files keep their comments and layout;
// JSON files stay JSON. Every result is parsed back with the console's own validation before it
// is written, so the command can never leave a file the console would refuse.

const isJson = (path: string, text: string) => path.endsWith('.json') || text.trimStart().startsWith('{');

/** `text` with `user` added; a user of that name is replaced only with `replace`. */
export function withUser(path: string, text: string, user: { name: string; role: UserRole; secret: string }, replace: boolean): string {
  const existing = text.trim() === '' ? [] : entriesOf(path, text);
  const index = existing.findIndex((u) => u.name === user.name);
  if (index >= 0 && !replace)
    throw new ConfigError(`${path} already has a user "${user.name}"; add --replace to give them a new token and role`);
  if (isJson(path, text)) {
    const doc = text.trim() === '' ? { users: [] as unknown[] } : (JSON.parse(text) as { users: unknown[] });
    if (index >= 0) doc.users[index] = user;
    else doc.users.push(user);
    return checked(path, `${JSON.stringify(doc, null, 2)}\n`);
  }
  if (text.trim() === '') return checked(path, stringify({ users: [user] }));
  const doc = parseDocument(text);
  if (!isMap(doc.contents) || !isSeq(doc.get('users'))) throw new ConfigError(`${path} has no users: list to add to`);
  if (index >= 0) doc.setIn(['users', index], doc.createNode(user));
  else doc.addIn(['users'], doc.createNode(user));
  return checked(path, doc.toString());
}

/** `text` without the user `name`; refused when it is the last one (the console would not start). */
export function withoutUser(path: string, text: string, name: string): string {
  const existing = entriesOf(path, text);
  const index = existing.findIndex((u) => u.name === name);
  if (index < 0) throw new ConfigError(`${path} has no user "${name}"`);
  if (existing.length === 1)
    throw new ConfigError(`"${name}" is the last user of ${path}: add another first (the console needs at least one)`);
  if (isJson(path, text)) {
    const doc = JSON.parse(text) as { users: unknown[] };
    doc.users.splice(index, 1);
    return checked(path, `${JSON.stringify(doc, null, 2)}\n`);
  }
  const doc = parseDocument(text);
  doc.deleteIn(['users', index]);
  return checked(path, doc.toString());
}

export const entriesOf = (path: string, text: string): ConsoleUserEntry[] => parseConsoleUsers(text, 'CONSOLE_USERS_FILE', path);

function checked(path: string, text: string): string {
  entriesOf(path, text);
  return text;
}
