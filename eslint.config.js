// Typed lint rules: the ones that matter most here catch floating and misused promises,
// which in a Kafka consumer mean lost acknowledgements or swallowed errors.
import tseslint from 'typescript-eslint';

/** The segmentation package and the segmenter's fold: what a replay must decide exactly as the pipeline did. */
const FOLD_FILES = [
  'packages/segmentation/src/**/*.ts',
  'services/segmenter/src/apply-batch.ts',
  'services/segmenter/src/fold.ts',
  'services/segmenter/src/outbox.ts',
  'services/segmenter/src/timer-queue.ts',
  'services/segmenter/src/partition-log.ts',
  'services/segmenter/src/partition-clock.ts',
  'services/segmenter/src/quality/replay.ts',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.local/**', '**/dist/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The fold decides from the log alone (DESIGN.md invariant 7: event time is the only clock), so a
    // replay decides the same. A use that decides nothing (a duration for a log line) says so in an
    // eslint-disable comment; detection time reaches the fold as an injected `now`.
    files: [...FOLD_FILES],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'no wall clock in the fold: use the event time (or the injected now for detection time)',
        },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'no wall clock in the fold: new Date() reads it' },
        { selector: "CallExpression[callee.name='Date']", message: 'no wall clock in the fold: Date() reads it' },
        { selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']", message: 'no wall clock in the fold' },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
