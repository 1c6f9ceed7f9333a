// The platforms' documented sample bodies and the positions in them the package can do without: the tolerance
// tests and the fuzz tests null them one at a time, in any combination, and all at once.
import { fixture } from './fixtures';

export type Platform = 'maiagent' | 'gptbots';
export type Path = readonly (string | number)[];

export interface Sample {
  name: string;
  platform: Platform;
  body: Record<string, unknown>;
  /** The GPTBots payload version the sample is. */
  version?: 1 | 2;
}

export const SAMPLES: readonly Sample[] = [
  { name: 'MaiAgent docs example (en)', platform: 'maiagent', body: fixture('maiagent/docs-example-en.json') },
  { name: 'MaiAgent docs example (zh)', platform: 'maiagent', body: fixture('maiagent/docs-example-zh.json') },
  { name: 'MaiAgent C# example (createdAt)', platform: 'maiagent', body: fixture('maiagent/examples-csharp-camelcase.json') },
  { name: 'MaiAgent REST Message 2025', platform: 'maiagent', body: fixture('maiagent/rest-message-2025.json') },
  { name: 'GPTBots V1 docs example', platform: 'gptbots', body: fixture('gptbots/docs-example-v1.json'), version: 1 },
  { name: 'GPTBots V2 docs example', platform: 'gptbots', body: fixture('gptbots/docs-example-v2.json'), version: 2 },
];

/** The only fields a delivery cannot do without: its message id and its conversation id. */
export const ESSENTIAL: Readonly<Record<Platform, readonly string[]>> = { maiagent: ['id', 'conversation', 'conversation_id'], gptbots: ['message_id', 'conversation_id'] };

/** Every object property in the body (nested ones included, inside list items too) but the essential ones. */
export function nonEssentialPaths(sample: Sample): Path[] {
  const essential = new Set(ESSENTIAL[sample.platform]);
  return propertyPaths(sample.body, []).filter((path) => !(path.length === 1 && essential.has(path[0] as string)));
}

function propertyPaths(value: unknown, at: Path): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => propertyPaths(item, [...at, index]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...at, key], ...propertyPaths(child, [...at, key])]);
}

/** A copy of the body with `null` at each of the paths (a path under one already nulled is skipped). */
export function withNullAt(body: Record<string, unknown>, paths: readonly Path[]): Record<string, unknown> {
  const copy = structuredClone(body);
  for (const path of paths) {
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) parent = parent === null || parent === undefined ? undefined : (parent as Record<string | number, unknown>)[key];
    if (typeof parent === 'object' && parent !== null) (parent as Record<string | number, unknown>)[path[path.length - 1] as string | number] = null;
  }
  return copy;
}

export function pathName(path: Path): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('').slice(1);
}
