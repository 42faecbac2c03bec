// Tools Tickflow builds from the Go module proxy into its tool cache (the Temporal CLI, the Weaviate server):
// found on PATH or in the cache, else `go install`ed once with CGO off.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceUnavailableError } from '../contracts/errors';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * `go install <module>` into toolsDir; returns the built binary's path or throws naming the tool. Built into a private
 * folder and renamed into place, so nobody ever runs a half-written binary.
 */
export function goInstall(tool: string, module: string, binary: string, toolsDir: string, log: (msg: string) => void = () => {}): string {
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new ServiceUnavailableError(tool, `not found on PATH or in ${toolsDir}, and no Go toolchain is available to build it`);
  fs.mkdirSync(toolsDir, { recursive: true });
  log(`building ${tool} (${module}) into ${toolsDir}; this takes a few minutes once`);
  const staging = fs.mkdtempSync(path.join(toolsDir, `.build-${binary}-`));
  try {
    const res = spawnSync(go, ['install', '-trimpath', module], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: staging, GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (res.status !== 0 || !isExecutable(path.join(staging, binary))) throw new ServiceUnavailableError(tool, `go install ${module} failed (exit ${res.status})`);
    const built = path.join(toolsDir, binary);
    fs.renameSync(path.join(staging, binary), built);
    return built;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `build` while holding `<toolsDir>/<name>.build-lock` (a directory: mkdir is atomic). Several checkouts or
 * test runs on one machine would otherwise each start the same multi-minute `go install`, and on two cores three
 * parallel builds take longer than three in a row. A lock whose owner died is taken over.
 */
export function withBuildLock<T>(toolsDir: string, name: string, ready: () => T | undefined, build: () => T, log: (msg: string) => void = () => {}): T {
  fs.mkdirSync(toolsDir, { recursive: true });
  const lock = path.join(toolsDir, `${name}.build-lock`);
  const owner = path.join(lock, 'pid');
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : NaN);
      if (Number.isInteger(pid) && !processAlive(pid)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`another process (pid ${Number.isNaN(pid) ? '?' : pid}) is building ${name}; waiting for it`);
      announced = true;
      sleepSync(2000);
      const done = ready();
      if (done !== undefined) return done;
    }
  }
  try {
    return ready() ?? build();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
