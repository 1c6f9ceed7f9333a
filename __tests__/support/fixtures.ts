import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')) as Record<string, unknown>;
}

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'rotated-token-fedcba9876543210';
