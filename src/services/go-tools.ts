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

/** `go install <module>` into toolsDir; returns the built binary's path or throws naming the tool. */
export function goInstall(tool: string, module: string, binary: string, toolsDir: string, log: (msg: string) => void = () => {}): string {
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new ServiceUnavailableError(tool, `not found on PATH or in ${toolsDir}, and no Go toolchain is available to build it`);
  fs.mkdirSync(toolsDir, { recursive: true });
  log(`building ${tool} (${module}) into ${toolsDir}; this takes a few minutes once`);
  const res = spawnSync(go, ['install', '-trimpath', module], {
    env: { ...process.env, CGO_ENABLED: '0', GOBIN: toolsDir, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = path.join(toolsDir, binary);
  if (res.status !== 0 || !isExecutable(built)) throw new ServiceUnavailableError(tool, `go install ${module} failed (exit ${res.status})`);
  return built;
}
