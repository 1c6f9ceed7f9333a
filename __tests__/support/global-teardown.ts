import { rmSync } from 'node:fs';

export default function removeBuild(): void {
  if (process.env.TEST_BUILD_DIR) rmSync(process.env.TEST_BUILD_DIR, { recursive: true, force: true });
}
