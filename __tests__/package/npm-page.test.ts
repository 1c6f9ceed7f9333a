// The README as the npm page shows it: npm resolves its relative links against `repository`, and the tarball holds
// only dist/, so any file or script the text names outside a link must be said to be in the repository.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository?: { url?: string }; homepage?: string; bugs?: { url?: string } };
const REPOSITORY = 'https://github.com/maiagent-webhook/maiagent-webhook';

it('names the repository, the homepage and where to report bugs', () => {
  expect(pkg.repository?.url).toBe(`git+${REPOSITORY}.git`);
  expect(pkg.homepage).toBe(`${REPOSITORY}#readme`);
  expect(pkg.bugs?.url).toBe(`${REPOSITORY}/issues`);
});

it('links only to files the repository has (npm resolves them against it)', () => {
  const targets = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map(([, target]) => target as string);
  expect(targets.length).toBeGreaterThan(0);
  expect(targets.filter((target) => !existsSync(join(root, target)))).toEqual([]);
});

it('says "in the repository" wherever it names a file or an npm script the package does not ship', () => {
  const forUsers = readme.slice(0, readme.indexOf('\n## Development'));
  const paragraphs = forUsers.replace(/```[\s\S]*?```/g, '').split(/\n\s*\n/);
  const repositoryOnly = /`(?:npm run [\w:-]+|(?:src|__tests__|bench|scripts|examples)\/[^`]*)`/;
  const unsaid = paragraphs.filter((paragraph) => repositoryOnly.test(paragraph) && !/repository/.test(paragraph));
  expect(unsaid).toEqual([]);
});
