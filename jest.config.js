/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Every test closes what it opens (servers, clients, child processes, whose groups are killed whole); this is the
  // last guard, so that a handle a dependency leaves behind can never hold CI past its time limit.
  forceExit: true,
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
