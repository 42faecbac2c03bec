// npm's `prepare` lifecycle builds dist/ (so `git clone && npm ci && npx tickflow …` works), is a no-op when the
// build is up to date, and skips cleanly where there is nothing to build (a Docker layer before the sources are
// copied, an install without TypeScript). Exercised on a one-file project that uses the real prepare script and tsc.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../helpers/services';

jest.setTimeout(120_000);

describe('npm prepare', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-prepare-'));
  const main = path.join(dir, 'dist', 'src', 'cli', 'main.js');
  const prepare = () => {
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'prepare.js')], { cwd: dir, encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  };
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  beforeAll(() => {
    write('scripts/prepare.js', fs.readFileSync(path.join(projectRoot, 'scripts', 'prepare.js'), 'utf8'));
    write('tsconfig.json', JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', types: [], strict: true, incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo', rootDir: '.', outDir: 'dist' },
      include: ['src'],
    }));
    fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the package\'s prepare script, and the Docker build copies it before npm ci', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.js');
    const docker = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
    expect(docker.indexOf('COPY scripts/prepare.js')).toBeGreaterThan(-1);
    expect(docker.indexOf('COPY scripts/prepare.js')).toBeLessThan(docker.indexOf('RUN npm ci'));
  });

  it('skips, exit 0, before the sources are there', () => {
    expect(prepare()).toEqual({ code: 0, stderr: '[prepare] no sources here yet: nothing to build\n' });
  });

  it('compiles with tsc, then does nothing until a source changes', () => {
    write('src/cli/main.ts', 'export const version: string = "one";\n');
    expect(prepare()).toEqual({ code: 0, stderr: '[prepare] compiling TypeScript\n' });
    const version = () => spawnSync(process.execPath, ['-p', `require(${JSON.stringify(main)}).version`], { encoding: 'utf8' }).stdout.trim();
    expect(version()).toBe('one');
    const built = fs.statSync(main).mtimeMs;

    expect(prepare()).toEqual({ code: 0, stderr: '[prepare] dist/ is up to date\n' });
    expect(fs.statSync(main).mtimeMs).toBe(built);

    const later = new Date(Date.now() + 2000);
    write('src/cli/main.ts', 'export const version: string = "two";\n');
    fs.utimesSync(path.join(dir, 'src', 'cli', 'main.ts'), later, later);
    expect(prepare().stderr).toBe('[prepare] compiling TypeScript\n');
    expect(version()).toBe('two');
  });

  it('fails the install on a type error', () => {
    const later = new Date(Date.now() + 4000);
    write('src/cli/main.ts', 'export const version: number = "three";\n');
    fs.utimesSync(path.join(dir, 'src', 'cli', 'main.ts'), later, later);
    const r = prepare();
    expect(r.code).not.toBe(0);
  });

  it('skips, exit 0, without TypeScript (an install without devDependencies)', () => {
    fs.unlinkSync(path.join(dir, 'node_modules'));
    expect(prepare()).toEqual({ code: 0, stderr: '[prepare] TypeScript is not installed (an install without devDependencies): not building\n' });
  });
});
