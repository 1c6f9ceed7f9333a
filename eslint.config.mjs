import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'src/schemas/generated/', 'bench/.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-function': 'off',
      eqeqeq: 'error',
      'no-console': 'error',
    },
  },
  {
    // Plain CommonJS run by node directly (benchmark targets, the reliability suite's receiver).
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    // The apps the runtime and consumer tests start (Bun, Deno, workerd, Node): they print their port.
    files: ['__tests__/runtimes/apps/**', '__tests__/consumers/serve.mjs'],
    languageOptions: { globals: { ...globals.node, Bun: 'readonly', Deno: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
  {
    // The command-line tool, scripts and examples talk to a terminal on purpose.
    files: ['src/cli.ts', 'src/cli/**', 'scripts/**', 'examples/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
