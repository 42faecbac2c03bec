// The features stage: a feature-set version computed over stored bars, written idempotently, cached after commit.
// Daily runs are incremental: a symbol whose range is already stored resumes after its last computed bar.
import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { seriesOf } from '../src/contracts/dataset-ref';
import { InputError } from '../src/contracts/errors';
import { computeColumns, rowAt, type CompiledFeatureSet } from '../src/features/compute';
import { compileDeclaredSet } from '../src/features/feature-store';
import { lockSymbols } from '../src/repositories/bar-context-repository';
import { DerivedStalenessRepository } from '../src/repositories/derived-staleness-repository';
import { DocumentRepository } from '../src/repositories/document-repository';
import { FeatureRepository, type FeatureRow, type SymbolColumns, type WritePlan } from '../src/repositories/feature-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { FeaturesArgs, FeaturesResult } from '../src/contracts/activities';
import type { RecomputeChunkArgs, RecomputePlan, RecomputePlanArgs, StalePlanArgs, StaleRecomputePlan } from '../workflows/recompute-features';
import { dayEnd, dayStart, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

/**
 * Symbols whose bars are being read while the current one is computed and streamed: enough that a slow read (the
 * machine is shared with PostgreSQL's COPY backend) does not starve the COPY, few enough to hold little memory.
 */
const READ_AHEAD = 4;
/** Bounds of "all stored history" for a computation that is not limited to a range. */
const FAR_PAST = new Date('0001-01-01T00:00:00Z');
const FAR_FUTURE = new Date('9999-12-31T23:59:59Z');

/** The newest row written for a symbol: what the cache gets after commit. */
interface LatestRow {
  symbol: string;
  row: FeatureRow;
}

export function createFeatureActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const features = new FeatureRepository(ds);
  const docs = new DocumentRepository(ds);
  const staleness = new DerivedStalenessRepository(ds);

  /**
   * One symbol's bars from the look-back window before its first bar to write, and its facts if the set reads them.
   * Reads go through the pool, not the transaction's connection, which is busy streaming the COPY meanwhile.
   */
  async function readSymbol(set: CompiledFeatureSet, symbol: string, interval: string, firstTs: Date, to: Date) {
    const [bars, facts, documents] = await Promise.all([
      features.barColumns(symbol, interval, firstTs, set.lookbackBars, to),
      set.usesFundamentals ? features.fundamentalFacts(symbol, to) : Promise.resolve([]),
      set.usesDocuments ? docs.facts(symbol, to) : Promise.resolve([]),
    ]);
    return { bars, facts, documents };
  }

  /**
   * Computes `symbols` into one COPY stream (see writeColumns) while the next symbols' bars are already being read:
   * PostgreSQL ingests one symbol, answers the next ones' reads and Node computes, all at once.
   */
  async function writeSymbols(
    em: EntityManager, into: 'feature_data' | 'feature_staging', set: CompiledFeatureSet, symbols: string[], plans: Map<string, WritePlan>,
    scope: { interval: string; from: Date; to: Date }, pipelineRunId: string, progress: { done: number; total: number; barsRead: number; latest: LatestRow[] },
  ): Promise<number> {
    const ctx = Context.current();
    const read = (symbol: string) => {
      const pending = readSymbol(set, symbol, scope.interval, plans.get(symbol)!.resume?.ts ?? scope.from, scope.to);
      pending.catch(() => undefined); // awaited below; this only keeps an abandoned read from being an unhandled rejection
      return pending;
    };
    async function* computed(): AsyncIterable<SymbolColumns> {
      const ahead = symbols.slice(0, READ_AHEAD).map(read);
      for (const [i, symbol] of symbols.entries()) {
        const { bars, facts, documents } = await ahead.shift()!;
        if (i + READ_AHEAD < symbols.length) ahead.push(read(symbols[i + READ_AHEAD]));
        const { resume } = plans.get(symbol)!;
        const anchorIndex = resume ? bars.ts.indexOf(resume.ts.getTime()) : -1;
        const columns = computeColumns(set, bars, { facts, documents, anchor: anchorIndex >= 0 ? { index: anchorIndex, values: resume!.values } : undefined });
        // Rows after the resume point, or from `from` on; the earlier bars were read only to warm the indicators up.
        const after = resume ? resume.ts.getTime() : scope.from.getTime() - 1;
        let first = 0;
        while (first < bars.ts.length && bars.ts[first] <= after) first++;
        progress.barsRead += bars.ts.length;
        const last = bars.ts.length - 1;
        if (first <= last) progress.latest.push({ symbol, row: { symbol, interval: scope.interval, ts: new Date(bars.ts[last]), values: rowAt(columns, last) } });
        yield { symbol, ts: bars.ts, columns, first };
        progress.done++;
        ctx.heartbeat({ stage: 'features', symbol, done: progress.done, total: progress.total });
      }
    }
    return features.writeColumns(em, into, set.version, scope.interval, pipelineRunId, computed());
  }

  /**
   * Computes `symbols` into the open transaction. Symbols whose range holds no rows of the version (first run, new
   * version, or an incremental run resuming after its last stored bar) go through ONE COPY straight into
   * feature_data; the others through staging + merge, which rewrites only rows whose values changed.
   * Returns counts and each symbol's newest row (for the cache).
   */
  async function computeInto(em: EntityManager, set: CompiledFeatureSet, scope: { symbols: string[]; interval: string; from: Date; to: Date }, pipelineRunId: string, incremental: boolean) {
    await features.register(set, em);
    const symbols = [...new Set(scope.symbols)];
    const plans = await features.lockAndPlan(em, set.version, symbols, scope.interval, scope.from, scope.to, incremental);
    const direct = symbols.filter((s) => plans.get(s)!.direct);
    const staged = symbols.filter((s) => !plans.get(s)!.direct);
    const progress = { done: 0, total: symbols.length, barsRead: 0, latest: [] as LatestRow[] };
    let rows = 0;
    let written = 0;
    if (direct.length > 0) {
      const n = await writeSymbols(em, 'feature_data', set, direct, plans, scope, pipelineRunId, progress);
      rows += n;
      written += n;
    }
    if (staged.length > 0) {
      await features.createStaging(em);
      rows += await writeSymbols(em, 'feature_staging', set, staged, plans, scope, pipelineRunId, progress);
      written += (await features.mergeStaging(em)).written;
    }
    return { barsRead: progress.barsRead, rows, written, latest: progress.latest };
  }

  /**
   * Recomputes the version's rows of some symbols from an instant on, to their last bar, and clears the version's stale
   * marks there. The instant is the earlier of `requested` (bars this run changed) and the symbol's open mark. Shared
   * locks on those symbols' bars keep imports from changing them until commit, so a mark cleared here is true.
   */
  async function recomputeChanged(em: EntityManager, set: CompiledFeatureSet, interval: string, requested: Map<string, Date>, symbols: string[], pipelineRunId: string) {
    const marksOf = (scopes: string[]) => staleness.open({ kind: 'feature_data', keys: [set.version], scopes, interval }, em);
    // Lock order everywhere: the version's feature locks, then the bars' price locks (imports take only these).
    await features.lock(em, set.version, symbols, interval);
    const touched = [...new Set([...requested.keys(), ...(await marksOf(symbols)).map((m) => m.scope)])];
    const progress = { done: 0, total: touched.length, barsRead: 0, latest: [] as LatestRow[] };
    if (touched.length === 0) return { barsRead: 0, rows: 0, written: 0, latest: progress.latest, symbols: [] as string[], from: new Map<string, Date>() };
    await lockSymbols(em, touched, interval, { shared: true });
    const from = new Map(requested);
    for (const m of await marksOf(touched)) { // read again under the locks
      const at = new Date(m.staleFrom);
      const had = from.get(m.scope);
      if (!had || at < had) from.set(m.scope, at);
    }
    const plans = await features.lockAndPlanFrom(em, set.version, from, interval);
    const planned = [...plans.keys()];
    let rows = 0;
    let written = 0;
    if (planned.length > 0) {
      await features.createStaging(em);
      rows = await writeSymbols(em, 'feature_staging', set, planned, plans, { interval, from: FAR_PAST, to: FAR_FUTURE }, pipelineRunId, progress);
      written = (await features.mergeStaging(em)).written;
    }
    // A mark of a symbol with no rows from its instant on has nothing left to recompute: cleared too.
    await staleness.clear(em, 'feature_data', set.version, interval, from, pipelineRunId);
    return { barsRead: progress.barsRead, rows, written, latest: progress.latest, symbols: planned, from };
  }

  /** After commit only: the cache must never hold values the database does not. */
  async function cacheLatest(set: CompiledFeatureSet, interval: string, latest: LatestRow[]): Promise<number> {
    let cached = 0;
    for (const { symbol, row } of latest) {
      const values = Object.fromEntries(set.names.map((n, k) => [n, row.values[k]]));
      if (await deps.featureCache.put(set.version, symbol, interval, { ts: row.ts.toISOString(), values })) cached++;
    }
    return cached;
  }

  return {
    async computeFeatures(args: FeaturesArgs): Promise<FeaturesResult> {
      const set = compileDeclaredSet(args.featureSet);
      let latest: LatestRow[] = [];
      const result = await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const scope = { symbols: args.symbols, interval: args.interval, from: dayStart(args.from), to: dayEnd(args.to) };
        await features.register(set, em);
        // Bars the import changed inside stored history (or earlier open marks of this version): recomputed first,
        // so the incremental run below finds the range complete and only appends.
        const changed = new Map(Object.entries(args.changedFrom ?? {}).map(([symbol, ts]): [string, Date] => [symbol, new Date(ts)]));
        const revised = await recomputeChanged(em, set, args.interval, changed, scope.symbols, args.pipelineRunId);
        const out = await computeInto(em, set, scope, args.pipelineRunId, true);
        latest = [...revised.latest, ...out.latest];
        await runs.addCounts(em, args.pipelineRunId, { features: out.rows + revised.rows });
        return {
          result: {
            featureSetVersion: set.version, rows: out.rows + revised.rows, written: out.written + revised.written, features: set.names.length, cached: 0,
            recomputedSymbols: revised.symbols,
          },
          inputDatasets: [{ kind: 'price_data', ...seriesOf(args) }],
          outputDataset: { kind: 'feature_data', version: set.version, ...seriesOf(args) },
          rowsIn: out.barsRead + revised.barsRead,
          rowsOut: out.rows + revised.rows,
          details: {
            featureSet: set.spec.name, names: set.names, warmupBars: set.warmupBars, rewritten: out.written + revised.written, incremental: true,
            recomputedFrom: Object.fromEntries(revised.symbols.map((sym) => [sym, revised.from.get(sym)!.toISOString()])),
          },
        };
      });
      return { ...result, cached: await cacheLatest(set, args.interval, latest) };
    },

    /** Resolves what a recompute computes: the version (registered with its definitions) and the symbols. */
    async planFeatureRecompute(args: RecomputePlanArgs): Promise<RecomputePlan> {
      let set: CompiledFeatureSet;
      if (args.version && !args.definitions) {
        const found = await features.registered(args.version);
        if (found) {
          set = compileDeclaredSet(found.name, found.definitions);
        } else {
          set = compileDeclaredSet(args.featureSet);
          if (set.version !== args.version) {
            throw new InputError(`"${args.version}" is neither registered nor the version of set "${args.featureSet}" (${set.version})`, 'version');
          }
        }
      } else {
        set = compileDeclaredSet(args.featureSet, args.definitions);
        if (args.version && args.version !== set.version) {
          throw new InputError(`the definitions hash to ${set.version}, not "${args.version}"`, 'version');
        }
      }
      await features.register(set);
      const symbols = args.symbols ?? (await features.symbolsWithBars(args.interval));
      return { version: set.version, name: set.spec.name, definitions: set.spec.features, features: set.names.length, symbols };
    },

    /** The versions with open stale marks (or only `version`), each with its symbols and their stale-from instants. */
    async planStaleFeatureRecompute(args: StalePlanArgs): Promise<StaleRecomputePlan[]> {
      const marks = await staleness.open({ kind: 'feature_data', keys: args.version ? [args.version] : undefined, scopes: args.symbols, interval: args.interval });
      const plans: StaleRecomputePlan[] = [];
      for (const version of [...new Set(marks.map((m) => m.key))].sort()) {
        const found = await features.registered(version);
        if (!found) throw new Error(`stale version ${version} is not registered`); // versions are registered before their rows are written (and kept while rows exist): a bug
        const set = compileDeclaredSet(found.name, found.definitions);
        const mine = marks.filter((m) => m.key === version);
        plans.push({
          version, name: found.name, definitions: set.spec.features, features: set.names.length, symbols: mine.map((m) => m.scope),
          staleFrom: Object.fromEntries(mine.map((m) => [m.scope, m.staleFrom])),
        });
      }
      return plans;
    },

    /**
     * Computes a version over the whole history of some symbols (never incremental), or with `staleFrom` from each
     * symbol's instant on (clearing its stale marks), then refreshes their cache keys.
     */
    async recomputeFeatureChunk(args: RecomputeChunkArgs): Promise<{ rows: number; written: number; cached: number }> {
      const set = compileDeclaredSet(args.name, args.definitions);
      if (set.version !== args.version) throw new InputError(`definitions hash to ${set.version}, not ${args.version}`, 'version');
      let latest: LatestRow[] = [];
      const scope = {
        symbols: args.symbols, interval: args.interval,
        from: args.from ? dayStart(args.from) : new Date('0001-01-01T00:00:00Z'), to: args.to ? dayEnd(args.to) : new Date('9999-12-31T23:59:59Z'),
      };
      const staleFrom = args.staleFrom && new Map(Object.entries(args.staleFrom).map(([symbol, ts]): [string, Date] => [symbol, new Date(ts)]));
      const result = await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const out = staleFrom
          ? await recomputeChanged(em, set, args.interval, staleFrom, args.symbols, args.pipelineRunId)
          : await computeInto(em, set, scope, args.pipelineRunId, false);
        latest = out.latest;
        return {
          result: { rows: out.rows, written: out.written, cached: 0 },
          inputDatasets: [{ kind: 'price_data', ...seriesOf(args) }],
          outputDataset: { kind: 'feature_data', version: set.version, ...seriesOf(args) },
          rowsIn: out.barsRead,
          rowsOut: out.rows,
          details: { featureSet: set.spec.name, names: set.names, recompute: true, rewritten: out.written, ...(args.staleFrom ? { staleFrom: args.staleFrom } : {}) },
        };
      });
      await deps.featureCache.invalidate(set.version, { interval: args.interval, symbols: args.symbols });
      return { ...result, cached: await cacheLatest(set, args.interval, latest) };
    },
  };
}
