import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `npm pack` of the build global-setup made, into `work`; answers the tarball's path. */
export function packTarball(work: string): string {
  // global-setup has just built dist/; packing must not rebuild it under the other test files' feet.
  const output = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
  return join(work, output.trim().split('\n').pop() as string);
}

/**
 * A consumer project with the unpacked tarball as its node_modules/maiagent-webhook, as npm would install it, and
 * `links`: packages linked from this repository's node_modules (the frameworks and types the consumer uses).
 */
export function consumerProject(dir: string, tarball: string, files: Record<string, string>, links: readonly string[] = []): string {
  const installed = join(dir, 'node_modules', 'maiagent-webhook');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const name of links) {
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(join(root, 'node_modules', name), link);
    } catch {
      // Not every package exists in every version of the tree.
    }
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}
