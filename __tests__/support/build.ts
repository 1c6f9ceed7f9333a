import { join } from 'node:path';

/** The build that global-setup made for this test run. */
export function testBuildDir(): string {
  return join(__dirname, '..', '..', 'dist');
}
