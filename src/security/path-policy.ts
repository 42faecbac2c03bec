// Which files a workflow's input may name. Anyone who can start a workflow (the dev server's Web UI has no login)
// chooses these paths, and the worker opens them with its own rights: exports must land in TICKFLOW_EXPORT_DIR and
// reads must stay in TICKFLOW_SOURCE_ROOTS. Checked on the worker side, in the activities, after following symlinks.
import fs from 'node:fs';
import path from 'node:path';
import { PathNotAllowedError } from '../contracts/errors';

/** Folders a path must resolve into, and the variable that configures them (named in every refusal). */
export interface PathRoots {
  roots: string[];
  variable: 'TICKFLOW_EXPORT_DIR' | 'TICKFLOW_SOURCE_ROOTS' | 'TICKFLOW_EXPORT_DIR, TICKFLOW_SOURCE_ROOTS';
}

export const exportRoots = (config: { exportDir: string }): PathRoots => ({ roots: [config.exportDir], variable: 'TICKFLOW_EXPORT_DIR' });
export const sourceRoots = (config: { sourceRoots: string[] }): PathRoots => ({ roots: config.sourceRoots, variable: 'TICKFLOW_SOURCE_ROOTS' });
/** An export file named by workflow input (`export.path`), with its manifest next to it. */
export function confineExportFile(p: string, config: { exportDir: string }, overwrite: boolean): string {
  return confineNewFile(p, exportRoots(config), { field: 'export.path', overwrite, companions: ['.manifest.json'] });
}

/** A dataset a model trains on: an export, or a file in a source root. */
export const datasetRoots = (config: { exportDir: string; sourceRoots: string[] }): PathRoots => ({
  roots: [config.exportDir, ...config.sourceRoots], variable: 'TICKFLOW_EXPORT_DIR, TICKFLOW_SOURCE_ROOTS',
});

/**
 * The real location `p` names: symlinks and `..` resolved by the kernel for every component that exists (realpath of
 * the deepest existing ancestor), then the missing rest appended. `..` is never folded lexically before that: in
 * `root/link/../x` the kernel resolves `link` first. A dangling symlink is an error (writing would follow it).
 */
function realLocation(p: string, field: string, roots: PathRoots): string {
  const missing: string[] = [];
  let existing = p;
  for (;;) {
    try {
      // .native is realpath(3): fs.realpathSync itself folds `..` lexically first, which is exactly the mistake to avoid.
      return path.join(fs.realpathSync.native(existing), ...missing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      if (lstatOrNull(existing)?.isSymbolicLink()) throw new PathNotAllowedError(field, p, `goes through a symbolic link to a missing target (${existing})`, roots.roots, roots.variable);
      const parent = path.dirname(existing);
      if (parent === existing) return path.join(existing, ...missing);
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

const inside = (file: string, root: string) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

export interface ConfineOptions {
  /** Input field the path came from, named in the error (e.g. "export.path"). */
  field: string;
  /** A relative path is taken relative to this folder. @default the first root */
  base?: string;
}

/**
 * The resolved real path of `p` if it lies inside one of the roots (each resolved the same way), else a
 * non-retryable PathNotAllowedError naming the path, the roots and their variable.
 */
export function confinePath(p: string, roots: PathRoots, { field, base }: ConfineOptions): string {
  if (!roots.roots.length) throw new PathNotAllowedError(field, p, 'cannot be read: no folder is allowed', [], roots.variable);
  if (p.includes('\0')) throw new PathNotAllowedError(field, p, 'holds a NUL byte', roots.roots, roots.variable);
  // Joined, not path.resolve()d: resolve() folds `..` lexically, before the kernel has followed the symlinks.
  const absolute = path.isAbsolute(p) ? p : `${base ?? roots.roots[0]}${path.sep}${p}`;
  const real = realLocation(absolute, field, roots);
  const realRoots = roots.roots.map((r) => realLocation(path.resolve(r), field, roots));
  if (!realRoots.some((r) => inside(real, r))) {
    const via = real === p ? '' : ` (resolves to ${real})`;
    throw new PathNotAllowedError(field, p, `is outside the allowed folders${via}`, roots.roots, roots.variable);
  }
  return real;
}

/**
 * `confinePath` for a file about to be written: also refuses a folder, and an existing file unless `overwrite`.
 * Returns the real path to write.
 */
export function confineNewFile(p: string, roots: PathRoots, opts: ConfineOptions & { overwrite: boolean; companions?: string[] }): string {
  const real = confinePath(p, roots, opts);
  for (const file of [real, ...(opts.companions ?? []).map((suffix) => real + suffix)]) {
    const stat = lstatOrNull(file);
    if (!stat) continue;
    if (stat.isDirectory()) throw new PathNotAllowedError(opts.field, p, `is a folder (${file})`, roots.roots, roots.variable);
    if (!opts.overwrite) throw new PathNotAllowedError(opts.field, p, `would replace the existing file ${file}: pass "overwrite": true to replace it`, roots.roots, roots.variable);
  }
  return real;
}
