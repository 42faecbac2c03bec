// A shipped migration never imports live code: what it does must not change when src/ does. Each migration may
// import typeorm's types and files inside migrations/ only (frozen data in migrations/frozen/). Read from the sources,
// so a new import of src/, activities/ or entities/ fails here (eslint says the same on the editor's side).
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../helpers/services';

const migrationsDir = path.join(projectRoot, 'migrations');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : []);
}

/** Module specifiers of static imports, re-exports and require() calls. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('migrations', () => {
  const files = sources(migrationsDir);

  it('are all read (the calendar migration and its frozen data included)', () => {
    const names = files.map((f) => path.relative(migrationsDir, f));
    expect(names).toEqual(expect.arrayContaining(['index.ts', '1732406700000-quality.ts']));
    expect(importsOf(path.join(migrationsDir, '1732406700000-quality.ts'))).toContain('./frozen/1732406700000-nyse-closures.json');
  });

  it.each(files.map((f) => [path.relative(projectRoot, f), f]))('%s imports no live code', (_, file) => {
    const outside = importsOf(file).filter((spec) => {
      if (spec === 'typeorm') return false;
      if (!spec.startsWith('.')) return true; // any other package may change under a migration too
      const target = path.resolve(path.dirname(file), spec);
      return !target.startsWith(`${migrationsDir}${path.sep}`);
    });
    expect(outside).toEqual([]);
  });
});
