// The documentation as one set of pages: README.md and every page under docs/. Tests read sections, tables, code
// blocks and install lines from here, wherever a page keeps them, so a section can move between pages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const root = join(__dirname, '..', '..');

export interface Page {
  /** Relative to the repository, with forward slashes: `README.md`, `docs/queue.md`. */
  path: string;
  text: string;
}

export interface CodeBlock {
  page: string;
  /** The fence's language: `ts`, `sh`, `json`, ... ('' when none). */
  language: string;
  /** The example file the block shows (`examples/quickstart.ts`), from the `<!-- example: ... -->` line above it. */
  example?: string;
  text: string;
}

const DOCS = join(root, 'docs');

/** README.md, then docs/README.md, then the other pages of docs/ in name order. */
export function docPages(): Page[] {
  const docs = existsSync(DOCS) ? readdirSync(DOCS).filter((name) => name.endsWith('.md')).sort((a, b) => (a === 'README.md' ? -1 : b === 'README.md' ? 1 : a.localeCompare(b))) : [];
  return ['README.md', ...docs.map((name) => `docs/${name}`)].map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

/** Every Markdown file of the repository a reader may open (the pages, SECURITY.md, the examples' and bench's). */
export function markdownFiles(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [relative(root, path).split('\\').join('/')] : [];
  });
}

/** The `## title` section of whichever page has it (a title names one section across all pages). */
export function section(title: string): string {
  const found = docPages().flatMap(({ path, text }) => {
    const start = text.indexOf(`\n## ${title}\n`);
    if (start === -1) return [];
    const end = text.indexOf('\n## ', start + 1);
    return [{ path, text: text.slice(start + 1, end === -1 ? undefined : end) }];
  });
  if (found.length !== 1) throw new Error(`the docs have ${found.length} sections "## ${title}"${found.map((f) => ` (${f.path})`).join('')}`);
  return (found[0] as { text: string }).text;
}

/** The rows of the first Markdown table in `text`, its header left out, each a list of trimmed cells. */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('|---'))
    .slice(1)
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

/** Every fenced code block of every page (fences at any indent), with the example file named above it. */
export function codeBlocks(pages: readonly Page[] = docPages()): CodeBlock[] {
  return pages.flatMap(({ path, text }) =>
    [...text.matchAll(/(?:<!-- example: (examples\/[\w./-]+) -->\n)?^( *)```(\w*)\n([\s\S]*?)^\2```/gm)].map(([, example, indent, language, body]) => ({
      page: path,
      language: language as string,
      ...(example ? { example } : {}),
      text: (body as string).split('\n').map((line) => line.slice((indent as string).length)).join('\n'),
    })),
  );
}

/** What the pages tell the reader to `npm install`, keyed by `page > heading` (the heading above each line). */
export function installLines(pages: readonly Page[] = docPages()): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const { path, text } of pages) {
    let heading = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) heading = `${path} > ${line.replace(/^#+\s*/, '')}`;
      for (const [, packages] of line.matchAll(/npm install (?:-D |--save-dev )?([@\w./ -]+?)(?:`|$|;)/g)) {
        lines.set(heading, [...(lines.get(heading) ?? []), ...(packages as string).trim().split(/\s+/)]);
      }
    }
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2, ... */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const outsideCode = markdown.replace(/^( *)```[\s\S]*?^\1```/gm, '');
  for (const [, heading] of outsideCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = (heading as string).trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of outsideCode.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(id as string);
  return anchors;
}

/** Every relative link of a Markdown file (outside code), as `{ target file, anchor }` resolved from its folder. */
export function relativeLinks(path: string): { link: string; file: string; anchor?: string }[] {
  const text = readFileSync(join(root, path), 'utf8').replace(/^( *)```[\s\S]*?^\1```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, link]) => link as string)
    .filter((link) => !/^[a-z][a-z+.-]*:/i.test(link))
    .map((link) => {
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? path : relative(root, join(root, dirname(path), decodeURIComponent(target))).split('\\').join('/');
      return { link, file, ...(anchor !== undefined ? { anchor } : {}) };
    });
}
