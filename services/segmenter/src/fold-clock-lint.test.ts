// The lint rule that keeps the wall clock out of the fold (eslint.config.js): a replay must decide
// exactly what the pipeline decided, so nothing there may read the time of day.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });
const ruleErrors = async (file: string, code: string) =>
  (await eslint.lintText(code, { filePath: join(root, file) }))[0]!.messages
    .filter((m) => m.ruleId === 'no-restricted-syntax')
    .map((m) => m.line);

describe('no wall clock in the fold', () => {
  it('refuses Date.now(), new Date() and performance.now() in the segmentation package and the fold', async () => {
    const code =
      'export const a = Date.now();\nexport const b = new Date();\nexport const c = performance.now();\nexport const d = new Date(0);\n';
    expect(await ruleErrors('packages/segmentation/src/churn/cadence.ts', code)).toEqual([1, 2, 3]);
    expect(await ruleErrors('services/segmenter/src/fold.ts', code)).toEqual([1, 2, 3]);
  }, 60_000);

  it('allows a use that says why, and the wall clock outside the fold', async () => {
    const allowed = 'export const a = performance.now(); // eslint-disable-line no-restricted-syntax -- a duration for a log line\n';
    expect(await ruleErrors('packages/segmentation/src/churn/cadence.ts', allowed)).toEqual([]);
    expect(await ruleErrors('services/segmenter/src/segmenter.ts', 'export const a = Date.now();\n')).toEqual([]);
  }, 60_000);
});
