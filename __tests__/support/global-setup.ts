// Builds the package once for the tests that run it as published (child processes, code generation disallowed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function buildOnce(): void {
  const outDir = mkdtempSync(join(tmpdir(), 'maiagent-webhook-build-'));
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  process.env.TEST_BUILD_DIR = outDir;
}
