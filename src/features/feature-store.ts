// The feature store's read side and version resolution, shared by the activities and the CLI:
// ranges, latest (Redis read-through), "as of" an instant, diffs between versions.
import { InputError } from '../contracts/errors';
import type { FeatureDiff, FeatureRepository } from '../repositories/feature-repository';
import { compileFeatureSet, type CompiledFeatureSet } from './compute';
import type { FeatureCache, LatestFeatures } from './feature-cache';
import { featureSets, featureSetSchema, featureSetVersion } from './feature-set';

/**
 * Compiles a declared set by name, or the given definitions (from a workflow input, a file or the registry) under
 * that name: a new version when they differ. Invalid definitions are an InputError naming the field.
 */
export function compileDeclaredSet(name: string, definitions?: readonly unknown[]): CompiledFeatureSet {
  const declared = featureSets[name];
  if (!definitions && !declared) {
    throw new InputError(`unknown feature set "${name}" (known: ${Object.keys(featureSets).join(', ')})`, 'featureSet');
  }
  const candidate = { name, features: definitions ?? declared!.features };
  const parsed = featureSetSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const value = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], candidate);
    const field = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\.features/, 'definitions');
    throw new InputError(`${issue.message} (got ${JSON.stringify(value ?? null)})`, field || 'definitions');
  }
  try {
    return compileFeatureSet(parsed.data, featureSetVersion(parsed.data));
  } catch (err) {
    throw new InputError((err as Error).message, 'definitions');
  }
}

export interface FeatureWindow {
  version: string;
  names: string[];
  rows: { ts: Date; values: (number | null)[] }[];
}

export class FeatureStore {
  constructor(private readonly repo: FeatureRepository, private readonly cache: FeatureCache) {}

  /** An explicit version must be registered; otherwise the current version of the declared set `set`. */
  async resolveVersion(opts: { set?: string; version?: string }): Promise<{ version: string; names: string[] }> {
    if (opts.version) {
      const found = await this.repo.registered(opts.version);
      if (!found) throw new InputError(`feature-set version "${opts.version}" is not registered (see tickflow features versions)`, '--version');
      return { version: found.version, names: found.featureNames };
    }
    const set = compileDeclaredSet(opts.set ?? 'default');
    return { version: set.version, names: set.names };
  }

  /** Stored values of one symbol in [from, to], restricted to `names` (in the order asked) when given. */
  async window(opts: { symbol: string; interval: string; from: Date; to: Date; set?: string; version?: string; names?: string[] }): Promise<FeatureWindow> {
    const { version, names } = await this.resolveVersion(opts);
    const wanted = opts.names ?? names;
    const positions = wanted.map((n) => {
      const i = names.indexOf(n);
      if (i < 0) throw new InputError(`unknown feature "${n}" in version ${version} (known: ${names.join(', ')})`, '--names');
      return i;
    });
    const stored = await this.repo.range(version, opts.symbol, opts.interval, opts.from, opts.to);
    return { version, names: wanted, rows: stored.map((r) => ({ ts: r.ts, values: positions.map((i) => r.values[i]) })) };
  }

  /** The newest vector: Redis first, PostgreSQL on a miss or an outage (the answer is then cached). */
  latest(version: string, symbol: string, interval: string): Promise<LatestFeatures | null> {
    return this.cache.getOrLoad(version, symbol, interval, async () => {
      const row = await this.repo.latest(version, symbol, interval);
      return row && { ts: row.ts.toISOString(), values: row.values };
    });
  }

  /** The vector a model would have seen at `at`: the last bar at or before it. Never cached (any instant is valid). */
  async asOf(version: string, symbol: string, interval: string, at: Date): Promise<LatestFeatures | null> {
    const row = await this.repo.asOf(version, symbol, interval, at);
    return row && { ts: row.ts.toISOString(), values: row.values };
  }

  async diff(base: string, target: string, symbols: string[] | null): Promise<FeatureDiff[]> {
    for (const [flag, v] of [['--base', base], ['--target', target]] as const) {
      if (!(await this.repo.registered(v))) throw new InputError(`feature-set version "${v}" is not registered`, flag);
    }
    return this.repo.diff(base, target, symbols);
  }
}
