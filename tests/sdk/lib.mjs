// Helpers for the SDK tests: start `ivs-server emulator` (or the whole server) as a child
// process on a free port and stop it afterwards.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';

export const binary = () => {
  const bin = process.env.IVS_SERVER_BIN;
  if (!bin) throw new Error('IVS_SERVER_BIN is not set (path to the ivs-server binary)');
  return bin;
};

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

// An SDK client for the emulator at `endpoint`: its test credentials, us-east-1, no retries (an
// error reaches the test as it came); `extra` overrides any of these.
export const ivsClient = (endpoint, extra = {}) =>
  new IVSRealTimeClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1, ...extra });

function cleanEnv(extra) {
  const env = { ...process.env, LOG_LEVEL: 'info', ...extra };
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'REDIS_HOST', 'DB_HOST', 'MASTER_STAGE_ARN',
    'IVS_ENDPOINT', 'IVS_BACKEND', 'HOT_STORE', 'COLD_STORE']) delete env[k];
  return env;
}

// Resolves with { endpoint, log, stop } once the emulator printed its listening line; log()
// returns everything it has written so far.
export function startEmulator(extraEnv = {}) {
  const child = spawn(binary(), ['emulator', '--port', '0', '--host', '127.0.0.1'], {
    env: cleanEnv({ IVS_EMULATOR_ACCESS_KEY_ID: 'test', IVS_EMULATOR_SECRET_ACCESS_KEY: 'test',
      IVS_EMULATOR_MAX_STAGES: '50', ...extraEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`emulator did not start: ${out}`)); }, 10000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/ivs emulator listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ endpoint: m[1], log: () => out, stop: () => stopChild(child) });
      }
    });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited ${code}: ${out}`)); });
  });
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// The whole server in embedded mode (in-process emulator, self-signed tokens).
export async function startServer(apiKey, extraEnv = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ivs-sdk-'));
  const child = spawn(binary(), ['serve'], {
    env: cleanEnv({ API_PORT: String(port), API_HOST: '127.0.0.1', DATA_DIR: dataDir,
      API_SECRET_KEY: apiKey, PUBLISHER_TOKEN_TTL_MINUTES: '240', NODE_ENV: 'production', ...extraEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { child.kill(); throw new Error(`server did not start: ${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base, dataDir,
    stop: async () => { await stopChild(child); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

export async function control(endpoint, action, body) {
  const r = await fetch(`${endpoint}/_emulator/${action}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
