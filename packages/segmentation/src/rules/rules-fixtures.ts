import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRules, type CompiledRules } from './rules-file.ts';

// Rules for tests: the repository's own config/rules.yaml, with thresholds a test can reach quickly.

export const REPOSITORY_RULES_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');

export const repositoryRules = (): CompiledRules => compileRules(readFileSync(REPOSITORY_RULES_FILE, 'utf8'), REPOSITORY_RULES_FILE);

export function withParameters(rules: CompiledRules, parameters: Record<string, number>): CompiledRules {
  return { ...rules, file: { ...rules.file, parameters: { ...rules.file.parameters, ...parameters } } };
}

/** No minimum dwell anywhere: every change happens at the first evaluation that calls for it. */
export function withoutDwell(rules: CompiledRules): CompiledRules {
  return { ...rules, dimensions: rules.dimensions.map((d) => ('minDwellDays' in d ? { ...d, minDwellDays: 0 } : d)) };
}
