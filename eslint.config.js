import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** A `no-restricted-imports` pattern: imports whose path matches `regex` are refused, saying `message`. */
const refuse = (regex, message) => ({ regex, message });

const ADAPTERS = refuse('(^|/)(store|blobs|host|web)/', 'adapters are the composition root\'s to name (src/app.ts); reach storage through a service');
const COMMAND_LINE = refuse('(^|/)(cli/|main\\.js$|app\\.js$)', 'the command line and the composition root sit on top: nothing below imports them');
const APIS = refuse('(^|/)api/', 'the domain knows no API: HTTP shapes stay in src/api');
const HTTP = refuse('^(fastify|node:http|light-my-request)$', 'the domain knows no HTTP');
const CONFIG = refuse('(^|/)config\\.js$', 'the domain is handed its settings; it does not read the configuration');
const DRIVERS = refuse('^(pg|better-sqlite3|@aws-sdk/.*)$', 'drivers belong to the adapters');

/** One API may not import another (their common ground is src/api/common). */
const otherApis = (own) =>
  ['compute', 'image', 'identity']
    .filter((api) => api !== own)
    .map((api) => refuse(`^\\.\\./${api}/`, `the ${own} API does not import the ${api} API; share through src/api/common or the domain`));

const restricted = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.scratch/', 'test/conformance/cases/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { regexp, 'import-x': importX },
    settings: {
      // What import-x needs to follow TypeScript imports (its typescript preset's settings), resolved as tsc does.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] }] },
      ],
      // Stores and services implement promise-returning interfaces with synchronous bodies; `async` makes
      // their throws rejections, as callers expect.
      '@typescript-eslint/require-await': 'off',
      // Regular expressions meet client input (headers, paths, queries, bodies): every one must run in
      // time linear in its input, or one request can hold the process for seconds.
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      'import-x/no-cycle': 'error',
    },
  },
  // The layers (see README, Layout): APIs -> services -> ports <- adapters. Tests may import what they test.
  {
    files: ['src/catalog/**/*.ts', 'src/identity/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: { 'no-restricted-imports': restricted(APIS, HTTP, CONFIG, ADAPTERS, DRIVERS, COMMAND_LINE) },
  },
  { files: ['src/store/**/*.ts', 'src/blobs/**/*.ts', 'src/host/**/*.ts'], ignores: ['**/*.test.ts', '**/*.contract.ts'], rules: { 'no-restricted-imports': restricted(APIS, HTTP, COMMAND_LINE) } },
  // The one adapter that speaks HTTP, as a client: it fetches web-download data, and serves nothing.
  { files: ['src/web/**/*.ts'], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': restricted(APIS, COMMAND_LINE, refuse('^(fastify|light-my-request)$', 'web-download fetches; serving is the APIs\' job')) } },
  { files: ['src/common/**/*.ts'], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': restricted(APIS, HTTP, CONFIG, ADAPTERS, DRIVERS, COMMAND_LINE, refuse('(^|/)(catalog|identity)/', 'src/common is below the domain')) } },
  { files: ['src/api/common/**/*.ts'], rules: { 'no-restricted-imports': restricted(ADAPTERS, COMMAND_LINE, refuse('^\\.\\./(compute|image|identity)/', 'what the APIs share knows none of them')) } },
  ...['compute', 'image', 'identity'].map((api) => ({
    files: [`src/api/${api}/**/*.ts`],
    rules: { 'no-restricted-imports': restricted(ADAPTERS, COMMAND_LINE, DRIVERS, ...otherApis(api)) },
  })),
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
