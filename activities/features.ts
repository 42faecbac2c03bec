// The features stage: a feature-set version computed over stored bars, written idempotently, cached after commit.
// Daily runs are incremental: a symbol whose range is already stored resumes after its last computed bar.
import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { InputError } from '../src/errors';
import { computeFeatures, type CompiledFeatureSet } from '../src/features/compute';
import { compileDeclaredSet } from '../src/features/feature-store';
import { FeatureRepository, type FeatureRow } from '../src/repositories/feature-repository';
import { PriceRepository } from '../src/repositories/price-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { FeaturesArgs, FeaturesResult } from '../workflows/activity-types';
import type { RecomputeChunkArgs, RecomputePlan, RecomputePlanArgs } from '../workflows/recompute-features';
import { dayEnd, dayStart, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

interface SymbolOutput {
  barsRead: number;
  rows: FeatureRow[];
}

export function createFeatureActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const prices = new PriceRepository(ds);
  const features = new FeatureRepository(ds);

  /** Where an incremental run resumes: after the last stored bar, if every bar from `from` up to it is stored. */
  async function resumeAfter(set: CompiledFeatureSet, symbol: string, interval: string, from: Date, to: Date) {
    const last = await features.lastComputed(set.version, symbol, interval, to);
    if (!last || last.ts < from) return null;
    const [stored, bars] = await Promise.all([
      features.countInRange(set.version, [symbol], interval, from, last.ts),
      prices.countInRange([symbol], interval, from, last.ts),
    ]);
    return stored === bars ? last : null;
  }

  /**
   * Values for one symbol's bars in (resume point or `from`) .. `to`, reading the look-back window before them.
   * Reads go through the pool, not the transaction's connection, which is busy streaming the COPY meanwhile.
   */
  async function computeSymbol(set: CompiledFeatureSet, symbol: string, interval: string, from: Date, to: Date, incremental: boolean): Promise<SymbolOutput> {
    const resume = incremental ? await resumeAfter(set, symbol, interval, from, to) : null;
    const firstTs = resume?.ts ?? from;
    const readFrom = await prices.tsBarsBefore(symbol, interval, firstTs, set.lookbackBars);
    const bars = await prices.bars(symbol, interval, readFrom, to);
    const facts = set.usesFundamentals ? await features.fundamentalFacts(symbol, to) : [];
    const anchorIndex = resume ? bars.findIndex((b) => b.ts.getTime() === resume.ts.getTime()) : -1;
    const values = computeFeatures(set, bars, { facts, anchor: anchorIndex >= 0 ? { index: anchorIndex, values: resume!.values } : undefined });
    const rows: FeatureRow[] = [];
    bars.forEach((b, k) => {
      if (resume ? b.ts > resume.ts : b.ts >= from) rows.push({ symbol, interval, ts: b.ts, values: values[k] });
    });
    return { barsRead: bars.length, rows };
  }

  /**
   * Computes `symbols` into the open transaction as ONE COPY stream fed symbol by symbol, so PostgreSQL ingests one
   * symbol while the next is read and computed. Returns counts and each symbol's newest row (for the cache).
   */
  async function computeInto(em: EntityManager, set: CompiledFeatureSet, scope: { symbols: string[]; interval: string; from: Date; to: Date }, pipelineRunId: string, incremental: boolean) {
    const ctx = Context.current();
    await features.register(set, em);
    // A scope with nothing stored yet (first run, new version) is written directly; otherwise through staging + merge.
    const direct = !(await features.anyInRange(em, set.version, scope.symbols, scope.interval, scope.from, scope.to));
    if (!direct) await features.createStaging(em);
    let barsRead = 0;
    const latest: { symbol: string; row: FeatureRow }[] = [];
    async function* rows(): AsyncIterable<FeatureRow> {
      for (const [i, symbol] of scope.symbols.entries()) {
        const out = await computeSymbol(set, symbol, scope.interval, scope.from, scope.to, incremental);
        barsRead += out.barsRead;
        if (out.rows.length > 0) latest.push({ symbol, row: out.rows[out.rows.length - 1] });
        yield* out.rows;
        ctx.heartbeat({ stage: 'features', symbol, done: i + 1, total: scope.symbols.length });
      }
    }
    const count = await features.stage(em, set.version, rows(), pipelineRunId, direct ? 'feature_data' : 'feature_staging');
    const written = direct ? count : (await features.mergeStaging(em)).written;
    return { barsRead, rows: count, written, latest };
  }

  /** After commit only: the cache must never hold values the database does not. */
  async function cacheLatest(set: CompiledFeatureSet, interval: string, latest: { symbol: string; row: FeatureRow }[]): Promise<number> {
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
      let latest: { symbol: string; row: FeatureRow }[] = [];
      const result = await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const scope = { symbols: args.symbols, interval: args.interval, from: dayStart(args.from), to: dayEnd(args.to) };
        const out = await computeInto(em, set, scope, args.pipelineRunId, true);
        latest = out.latest;
        await runs.addCounts(em, args.pipelineRunId, { features: out.rows });
        return {
          result: { featureSetVersion: set.version, rows: out.rows, written: out.written, features: set.names.length, cached: 0 },
          inputDatasets: [`price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`],
          outputDataset: `feature_data:${set.version}:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          rowsIn: out.barsRead,
          rowsOut: out.rows,
          details: { featureSet: set.spec.name, names: set.names, warmupBars: set.warmupBars, rewritten: out.written, incremental: true },
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

    /** Computes a version over the whole history of some symbols (never incremental), then refreshes their cache keys. */
    async recomputeFeatureChunk(args: RecomputeChunkArgs): Promise<{ rows: number; written: number; cached: number }> {
      const set = compileDeclaredSet(args.name, args.definitions);
      if (set.version !== args.version) throw new InputError(`definitions hash to ${set.version}, not ${args.version}`, 'version');
      let latest: { symbol: string; row: FeatureRow }[] = [];
      const scope = {
        symbols: args.symbols, interval: args.interval,
        from: args.from ? dayStart(args.from) : new Date('0001-01-01T00:00:00Z'), to: args.to ? dayEnd(args.to) : new Date('9999-12-31T23:59:59Z'),
      };
      const result = await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const out = await computeInto(em, set, scope, args.pipelineRunId, false);
        latest = out.latest;
        return {
          result: { rows: out.rows, written: out.written, cached: 0 },
          inputDatasets: [`price_data:${args.interval}:${args.symbols.join(',')}:${args.from ?? 'start'}..${args.to ?? 'end'}`],
          outputDataset: `feature_data:${set.version}:${args.interval}:${args.symbols.join(',')}:${args.from ?? 'start'}..${args.to ?? 'end'}`,
          rowsIn: out.barsRead,
          rowsOut: out.rows,
          details: { featureSet: set.spec.name, names: set.names, recompute: true, rewritten: out.written },
        };
      });
      await deps.featureCache.invalidate(set.version, { interval: args.interval, symbols: args.symbols });
      return { ...result, cached: await cacheLatest(set, args.interval, latest) };
    },
  };
}
