// The Prometheus alert rules under infra/prometheus: valid for Prometheus (promtool check), firing
// on the series they are meant for and silent on healthy ones (promtool's own rule unit tests), and
// about metrics this code exports, so renaming a metric breaks this test instead of the alert.
// promtool comes with Debian's `prometheus` package (infra/os-packages.sh).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './harness/services.ts';

const rulesDir = join(repoRoot, 'infra', 'prometheus');
const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: rulesDir, encoding: 'utf8', stdio: 'pipe' });

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the alert rules', () => {
  it('are valid Prometheus rules and pass their unit tests', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS: 9 rules found');
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('name only metrics the code exports', () => {
    const rules = readFileSync(join(rulesDir, 'alerts.yml'), 'utf8');
    const used = new Set(
      [...rules.matchAll(/^\s+expr:[^\n]*(?:\n\s{10}[^\n]*)*/gm)].flatMap((m) =>
        [...m[0].matchAll(/\b([a-z]+(?:_[a-z0-9]+)+)\b(?=\s*[{[)])/g)].map((x) => x[1]!),
      ),
    );
    const source = [...sourceFiles(join(repoRoot, 'packages')), ...sourceFiles(join(repoRoot, 'services'))]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(used.size).toBeGreaterThanOrEqual(8);
    for (const metric of used) expect(source.includes(`'${metric}'`), metric).toBe(true);
  });
});
