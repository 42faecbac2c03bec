// Path confinement (issue 18 item 2): what a workflow input may name, after symlinks and `..` are followed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NON_RETRYABLE_ERROR_TYPES, PathNotAllowedError } from '../../src/contracts/errors';
import { confineExportFile, confinePath, exportRoots, sourceRoots } from '../../src/security/path-policy';

describe('path policy', () => {
  // realpath: on some systems the temp folder itself is a symlink (macOS /var → /private/var).
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-paths-')));
  const exportDir = path.join(tmp, 'exports');
  const source = path.join(tmp, 'sources');
  const outside = path.join(tmp, 'outside');
  const exports = exportRoots({ exportDir });
  const sources = sourceRoots({ sourceRoots: [source, path.join(tmp, 'second')] });
  beforeAll(() => {
    for (const d of [exportDir, source, outside, path.join(outside, 'deep')]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'Date,Open\n');
    fs.symlinkSync(outside, path.join(exportDir, 'out-link'));
    fs.symlinkSync(path.join(outside, 'deep'), path.join(source, 'deep-link'));
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(source, 'AAPL.csv'));
    fs.symlinkSync(path.join(tmp, 'nowhere'), path.join(exportDir, 'dangling.csv'));
    fs.mkdirSync(path.join(source, 'inner'));
    fs.symlinkSync(path.join(source, 'inner'), path.join(source, 'inner-link'));
    fs.writeFileSync(path.join(exportDir, 'old.csv'), 'kept');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refusal = (fn: () => unknown): PathNotAllowedError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof PathNotAllowedError) return err;
      throw err;
    }
    throw new Error('expected a PathNotAllowedError');
  };

  it('refuses .. escapes, absolute paths outside and NUL bytes, naming the path, the roots and the variable', () => {
    const up = refusal(() => confineExportFile('../outside/x.csv', { exportDir }, false));
    expect(up.message).toBe(`export.path: "../outside/x.csv" is outside the allowed folders (resolves to ${path.join(outside, 'x.csv')}); allowed: ${exportDir} (TICKFLOW_EXPORT_DIR)`);
    expect(up).toMatchObject({ name: 'PathNotAllowedError', field: 'export.path', roots: [exportDir], variable: 'TICKFLOW_EXPORT_DIR' });
    expect(refusal(() => confineExportFile(`${exportDir}/a/../../outside/x.csv`, { exportDir }, false)).path).toBe(`${exportDir}/a/../../outside/x.csv`);
    expect(refusal(() => confinePath('/etc/passwd', sources, { field: 'path' })).message)
      .toBe(`path: "/etc/passwd" is outside the allowed folders; allowed: ${source}, ${path.join(tmp, 'second')} (TICKFLOW_SOURCE_ROOTS)`);
    // A prefix is not a parent: <root>-evil is not inside <root>.
    refusal(() => confinePath(`${source}-evil/x.csv`, sources, { field: 'sourcePath' }));
    refusal(() => confinePath(`${source}/x\0.csv`, sources, { field: 'sourcePath' }));
    expect(NON_RETRYABLE_ERROR_TYPES).toContain('PathNotAllowedError');
  });

  it('follows symlinks before checking: a link out of the root, a link then .., a linked file, a dangling link', () => {
    expect(refusal(() => confineExportFile('out-link/x.csv', { exportDir }, false)).message).toContain(`(resolves to ${path.join(outside, 'x.csv')})`);
    // Lexically deep-link/../x.csv is <source>/x.csv; the kernel follows deep-link first and lands in <outside>/x.csv.
    expect(refusal(() => confinePath(`${source}/deep-link/../secret.csv`, sources, { field: 'sourcePath' })).message)
      .toContain(`resolves to ${path.join(outside, 'secret.csv')}`);
    expect(refusal(() => confinePath(path.join(source, 'AAPL.csv'), sources, { field: 'sourcePath' })).message).toContain('outside the allowed folders');
    expect(refusal(() => confineExportFile('dangling.csv', { exportDir }, true)).message).toContain('symbolic link to a missing target');
  });

  it('accepts paths inside a root, relative ones from the first root, links that stay inside, missing folders', () => {
    expect(confineExportFile('runs/2016/a.csv', { exportDir }, false)).toBe(path.join(exportDir, 'runs', '2016', 'a.csv'));
    expect(confinePath(`${source}/inner-link/../inner`, sources, { field: 'sourcePath' })).toBe(path.join(source, 'inner'));
    expect(confinePath(`${source}/inner-link/AAPL.csv`, sources, { field: 'sourcePath' })).toBe(path.join(source, 'inner', 'AAPL.csv'));
    expect(confinePath(path.join(tmp, 'second', 'not-yet', 'x.csv'), sources, { field: 'path' })).toBe(path.join(tmp, 'second', 'not-yet', 'x.csv'));
    expect(confinePath('.', sources, { field: 'sourcePath' })).toBe(source);
  });

  it('refuses an existing file (or its manifest, or a folder) unless overwrite', () => {
    expect(refusal(() => confineExportFile(path.join(exportDir, 'old.csv'), { exportDir }, false)).message)
      .toContain(`would replace the existing file ${path.join(exportDir, 'old.csv')}: pass "overwrite": true`);
    expect(confineExportFile(path.join(exportDir, 'old.csv'), { exportDir }, true)).toBe(path.join(exportDir, 'old.csv'));
    fs.writeFileSync(path.join(exportDir, 'new.csv.manifest.json'), '{}');
    expect(refusal(() => confineExportFile('new.csv', { exportDir }, false)).message).toContain('new.csv.manifest.json');
    expect(refusal(() => confineExportFile('.', { exportDir }, true)).message).toContain('is a folder');
    expect(fs.readFileSync(path.join(exportDir, 'old.csv'), 'utf8')).toBe('kept');
  });
});
