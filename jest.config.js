/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
  transform: {
    // isolatedModules in tsconfig.json makes ts-jest transpile only; `npm run typecheck` checks the types once.
    '^.+\\.ts$': 'ts-jest',
  },
  moduleNameMapper: {
    '^maiagent-webhook$': '<rootDir>/src/index.ts',
    '^maiagent-webhook/(.*)$': '<rootDir>/src/$1',
  },
};
