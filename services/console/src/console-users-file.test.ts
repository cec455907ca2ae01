import { describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { entriesOf, withoutUser, withUser } from './console-users-file.ts';
import { hashSecret } from './console-users.ts';

const hash = await hashSecret('s', { N: 2 ** 14, r: 8, p: 1 });
const entry = (name: string, role: 'viewer' | 'operator' | 'admin' | 'bi' = 'viewer') => ({ name, role, secret: hash });

describe('editing a console users file', () => {
  it('starts a new YAML file, adds to it keeping its comments, and replaces only when told', () => {
    const first = withUser('users.yaml', '', entry('li.wei'), false);
    const commented = `# 运营控制台用户 console users\n${first}`;
    const second = withUser('users.yaml', commented, entry('wang', 'admin'), false);
    expect(second).toContain('# 运营控制台用户 console users');
    expect(entriesOf('users.yaml', second).map((u) => [u.name, u.role])).toEqual([
      ['li.wei', 'viewer'],
      ['wang', 'admin'],
    ]);
    expect(() => withUser('users.yaml', second, entry('wang', 'viewer'), false)).toThrow(/already has a user "wang"; add --replace/);
    const replaced = withUser('users.yaml', second, entry('wang', 'operator'), true);
    expect(entriesOf('users.yaml', replaced).map((u) => [u.name, u.role])).toEqual([
      ['li.wei', 'viewer'],
      ['wang', 'operator'],
    ]);
  });

  it('adds a BI user (role bi) beside the console users', () => {
    const text = withUser('users.yaml', withUser('users.yaml', '', entry('li.wei'), false), entry('metabase', 'bi'), false);
    expect(entriesOf('users.yaml', text).map((u) => [u.name, u.role])).toEqual([
      ['li.wei', 'viewer'],
      ['metabase', 'bi'],
    ]);
  });

  it('keeps a JSON file JSON', () => {
    const json = `${JSON.stringify({ users: [entry('li.wei')] })}\n`;
    const added = withUser('users.json', json, entry('wang', 'admin'), false);
    expect((JSON.parse(added) as { users: Array<{ name: string }> }).users.map((u) => u.name)).toEqual(['li.wei', 'wang']);
    expect(entriesOf('users.json', withoutUser('users.json', added, 'li.wei')).map((u) => u.name)).toEqual(['wang']);
  });

  it('removes a user, but never the last one nor one who is not there', () => {
    const two = withUser('u.yaml', withUser('u.yaml', '', entry('li.wei'), false), entry('wang', 'admin'), false);
    const one = withoutUser('u.yaml', two, 'li.wei');
    expect(entriesOf('u.yaml', one).map((u) => u.name)).toEqual(['wang']);
    expect(() => withoutUser('u.yaml', one, 'wang')).toThrow(/last user/);
    expect(() => withoutUser('u.yaml', one, 'nobody')).toThrow(ConfigError);
  });

  it('refuses to add to a file the console would refuse, naming the entry', () => {
    const broken = `users:\n  - {name: li.wei, role: boss, secret: "${hash}"}\n`;
    expect(() => withUser('u.yaml', broken, entry('wang'), false)).toThrow(/users\[0\] "li\.wei"\.role/);
  });
});
