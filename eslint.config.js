import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.scratch/', 'test/conformance/cases/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { regexp },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Regular expressions meet client input (headers, paths, queries, bodies): every one must run in
      // time linear in its input, or one request can hold the process for seconds.
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
);
