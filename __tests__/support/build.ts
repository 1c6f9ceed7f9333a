/** Where global-setup built the package for this test run. */
export function testBuildDir(): string {
  const dir = process.env.TEST_BUILD_DIR;
  if (!dir) throw new Error('TEST_BUILD_DIR is not set: run the tests through jest.config.js (its globalSetup builds the package)');
  return dir;
}
