// Builds the package once (into dist/, as `npm run build` does) for the tests that run it as published: child
// processes, code generation disallowed, the packed tarball, the example apps.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildOnce(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(__dirname, '..', '..'), stdio: 'inherit' });
}
