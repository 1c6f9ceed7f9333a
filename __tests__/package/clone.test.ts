// The path of someone who clones the repository: `npm ci` without warnings on the Node versions `engines` names,
// `npm start` without rebuilding a fresh build, a build that says one short line.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
// npm's own range rules (semver is in the tree through npm's tooling: jest, eslint).
const semver = createRequire(__filename)('semver') as { satisfies(version: string, range: string): boolean };

it('installs no package whose engines exclude the running Node (npm ci prints no EBADENGINE)', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }; optional?: boolean }> };
  const excluding = Object.entries(lock.packages)
    .filter(([path, info]) => path !== '' && !info.optional && typeof info.engines?.node === 'string' && !semver.satisfies(process.version, info.engines.node))
    .map(([path, info]) => `${path} (node ${info.engines?.node})`);
  expect(excluding).toEqual([]);
});

describe('npm start', () => {
  const buildIfStale = () => execFileSync(process.execPath, ['scripts/build-if-stale.mjs', '--check'], { cwd: root, encoding: 'utf8' }).trim();

  it('does not rebuild the build global-setup just made', () => {
    expect(buildIfStale()).toBe('dist/ is up to date');
  });

  it('rebuilds once a source file is newer than the build', () => {
    const source = join(root, 'src', 'cli.ts');
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(Date.now() + 60_000));
      expect(buildIfStale()).toBe('dist/ is older than src/cli.ts');
    } finally {
      utimesSync(source, atime, mtime);
    }
  });
});

it('the build prints one short line', () => {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(script.start).toMatch(/^node scripts\/build-if-stale\.mjs && /);
  // Every step but the last is silent; the last says what was built.
  const steps = script.build?.split(' && ') ?? [];
  expect(steps.slice(-1)).toEqual(['node scripts/build-esm-wrappers.mjs']);
  expect(readFileSync(join(root, 'scripts', 'bundle-runtime.mjs'), 'utf8')).not.toMatch(/console\.log/);
  expect(readFileSync(join(root, 'scripts', 'build-esm-wrappers.mjs'), 'utf8').match(/console\.log\(/g)).toHaveLength(1);
});

it('leaves dist/cli.js executable, so the `npx maiagent-webhook` line `listen` prints works in a clone', () => {
  expect(statSync(join(root, 'dist', 'cli.js')).mode & 0o111).toBe(0o111);
});
