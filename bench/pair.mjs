#!/usr/bin/env node
// A steadier A/B than separate runs: both servers at once on core 0, each driven by its own wrk on core 1, so
// whatever the shared machine does (other tenants, clock changes) slows both alike and their req/s ratio is
// their cost ratio. Run-to-run, separate runs of the same server move by 15-30% here; paired rounds by 2-4%.
//   node bench/pair.mjs [A] [B]     (target names from bench/targets; default raw package-node)
// A target may carry settings for its server alone, as `name:VAR=value`: `inline inline:WITHOUT=store` measures what
// the inline listener's dedupe costs (bench/targets/inline.cjs lists the parts it can leave out).
// Options (environment): ROUNDS (5), DURATION seconds (3), BODY (small|large), CONNECTIONS per server (16).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { median, parseTarget, parseWrk, startTarget, stop, wrkCommand, wrkEnv } from './run.mjs';

const run = promisify(execFile);
const bodies = createRequire(import.meta.url)('./bodies.cjs');
const [a = 'raw', b = 'package-node'] = process.argv.slice(2);

const targetA = parseTarget(a);
const targetB = parseTarget(b);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 3);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const BODY = process.env.BODY ?? 'small';

/** One wrk run against one server: req/s and latency percentiles. */
async function drive(port, bodyFile, seconds) {
  const [command, args] = wrkCommand(port, seconds, CONNECTIONS);
  const { stdout } = await run(command, args, { env: wrkEnv(bodyFile) });
  return parseWrk(stdout);
}

async function round(bodyFile) {
  const servers = [await startTarget(targetA.key, targetA.env), await startTarget(targetB.key, targetB.env)];
  try {
    await Promise.all(servers.map(({ port }) => drive(port, bodyFile, 1))); // warm-up, discarded
    return await Promise.all(servers.map(({ port }) => drive(port, bodyFile, DURATION)));
  } finally {
    await Promise.all(servers.map(({ child }) => stop(child)));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'maiagent-pair-'));
try {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(dirname(fileURLToPath(import.meta.url)), '..'), stdio: 'inherit' });
  createRequire(import.meta.url)('./prepare.cjs').prepareTargets();
  const bodyFile = join(dir, 'body.json');
  writeFileSync(bodyFile, bodies[BODY]);
  const ratios = [];
  const p99s = { [a]: [], [b]: [] };
  for (let i = 1; i <= ROUNDS; i += 1) {
    const [first, second] = await round(bodyFile);
    ratios.push(second.rps / first.rps);
    p99s[a].push(first.p99);
    p99s[b].push(second.p99);
    const show = (name, run) => `${name} ${run.rps.toFixed(0)} req/s (p99 ${run.p99.toFixed(1)} ms)`;
    console.log(`round ${i}: ${show(a, first)}, ${show(b, second)}, ratio ${(second.rps / first.rps).toFixed(3)}`);
  }
  console.log(`${b} / ${a}, ${BODY} body: median req/s ratio ${median(ratios).toFixed(3)} over ${ROUNDS} paired rounds; ` +
    `median p99 ${median(p99s[a]).toFixed(1)} ms (${a}), ${median(p99s[b]).toFixed(1)} ms (${b})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
