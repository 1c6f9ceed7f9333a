#!/usr/bin/env node
// npm run bench: the five targets side by side, in one run, on 127.0.0.1. Each server is pinned to core 0 and
// wrk to core 1 (taskset); rounds are interleaved and medians reported. Writes bench/results.json and prints a
// Markdown table. Options (environment): ROUNDS (3), DURATION seconds per run (5), CONNECTIONS (32).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { coldStart } from './cold-start.mjs';
import { validationMicro } from './validation.mjs';
import { storeMemory } from './store-memory.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const bodies = require('./bodies.cjs');
const { TOKEN } = require('./targets/common.cjs');

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);

export const TARGETS = [
  { key: 'raw', label: '(1) raw node:http, read + JSON.parse' },
  { key: 'express-json', label: '(2) Express + express.json()' },
  { key: 'express-careful', label: '(3) Express + json + bearer + ajv' },
  { key: 'package-express', label: '(4) maiagentWebhook (Express)' },
  { key: 'package-node', label: '(5) maiagentWebhook (node:http)' },
];

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Starts a target pinned to core 0 and resolves with its port once it listens. */
/** `name` or `name:VAR=value` (bench:pair, bench:group): the target, and the environment its server alone gets. */
export function parseTarget(spec) {
  const [key, setting] = spec.split(/:(.*)/s);
  if (!setting) return { key, env: {} };
  const [name, value = ''] = setting.split(/=(.*)/s);
  return { key, env: { [name]: value } };
}

export function startTarget(key, extraEnv = {}) {
  const child = spawn('taskset', ['-c', '0', process.execPath, join(here, 'targets', `${key}.cjs`)], {
    env: { ...process.env, PORT: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${key} exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
  });
}

export function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill();
  });
}

const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);

/** The wrk command line for one run: pinned to core 1, one thread, every request a distinct id (wrk/post.lua). */
export function wrkCommand(port, seconds, connections = CONNECTIONS) {
  return ['taskset', ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', join(here, 'wrk', 'post.lua'), `http://127.0.0.1:${port}/maiagent/webhook`]];
}

let runs = 0;
/** wrk's environment: a new RUN_ID for every run, so no id repeats between runs against one server. */
export const wrkEnv = (bodyFile) => ({ ...process.env, BODY_FILE: bodyFile, TOKEN, RUN_ID: `${process.pid}.${(runs += 1)}` });

/** req/s, p50 and p99 from wrk's report; any answer but 200 aborts the run. */
export function parseWrk(output) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const percentile = (p) => {
    const match = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
    return match ? toMs(match[1], match[2]) : Number.NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(output)?.[1];
  if (non2xx > 0 || errors) throw new Error(`wrk saw ${non2xx} non-2xx answers${errors ? ` and socket errors: ${errors}` : ''}:\n${output}`);
  return { rps, p50: percentile(50), p99: percentile(99) };
}

function runWrk(port, bodyFile, seconds) {
  const [command, args] = wrkCommand(port, seconds);
  return parseWrk(execFileSync(command, args, { env: wrkEnv(bodyFile), encoding: 'utf8' }));
}

async function throughput(bodyFiles) {
  const samples = {};
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [bodyName, bodyFile] of Object.entries(bodyFiles)) {
      for (const target of TARGETS) {
        const { child, port } = await startTarget(target.key);
        try {
          runWrk(port, bodyFile, 1); // warm-up, discarded
          const result = runWrk(port, bodyFile, DURATION);
          (samples[`${bodyName}:${target.key}`] ??= []).push(result);
          process.stderr.write(`round ${round} ${bodyName} ${target.key}: ${result.rps.toFixed(0)} req/s\n`);
        } finally {
          await stop(child);
        }
      }
    }
  }
  const summary = {};
  for (const [key, runs] of Object.entries(samples)) {
    summary[key] = { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
  }
  return summary;
}

function table(results, bodyName) {
  const of = (key) => results.throughput[`${bodyName}:${key}`];
  const lines = ['| target | req/s | p50 ms | p99 ms | × (2) | × (1) |', '|---|---:|---:|---:|---:|---:|'];
  for (const target of TARGETS) {
    const r = of(target.key);
    lines.push(`| ${target.label} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.rps / of('express-json').rps).toFixed(2)} | ${(r.rps / of('raw').rps).toFixed(2)} |`);
  }
  return lines.join('\n');
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(here, '..'), stdio: 'inherit' });
  require('./prepare.cjs').prepareTargets();
  const dir = mkdtempSync(join(tmpdir(), 'maiagent-bench-'));
  try {
    const bodyFiles = {};
    for (const [name, text] of Object.entries(bodies)) {
      bodyFiles[name] = join(dir, `${name}.json`);
      writeFileSync(bodyFiles[name], text);
    }
    const results = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
      node: process.version,
      date: new Date().toISOString().slice(0, 10),
      settings: { rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS },
      throughput: await throughput(bodyFiles),
      coldStart: await coldStart(TARGETS, startTarget, stop, bodies.small),
      validation: validationMicro(bodies),
      store: storeMemory(),
    };
    writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Machine: ${results.machine}; Node ${results.node}; ${results.date}; ${ROUNDS} rounds of ${DURATION} s, ${CONNECTIONS} connections\n`);
    console.log(`Small body (${Buffer.byteLength(bodies.small)} bytes)\n\n${table(results, 'small')}\n`);
    console.log(`Large body (${Buffer.byteLength(bodies.large)} bytes)\n\n${table(results, 'large')}\n`);
    console.log(`Cold start, process start to first 200 (median of ${results.coldStart.runs}, ms)\n`);
    for (const target of TARGETS) {
      const ms = results.coldStart.medianMs[target.key];
      console.log(`- ${target.label}: ${ms.toFixed(1)} ms`);
    }
    console.log(`\nOne validation: ${JSON.stringify(results.validation)}`);
    console.log(`Default MemoryStore after ${results.store.ids} distinct ids: ${JSON.stringify(results.store)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
