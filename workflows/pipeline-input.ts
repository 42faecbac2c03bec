// The pipeline's input: one JSON object, short enough to type into the Web UI's Start Workflow form.
// Validated at the top of the workflow; defaults fill what is left out.
import { z } from 'zod';
import { isoDateSchema, tickerSchema, withDateRange } from '../src/contracts/schemas';

export { describeInputIssues, minusDays, parseWorkflowInput } from '../src/contracts/input';

export const pipelineInputSchema = withDateRange(z
  .object({
    symbols: z.array(tickerSchema).min(1).max(5000),
    from: isoDateSchema,
    to: isoDateSchema,
    interval: z.enum(['1d']).default('1d'),
    /**
     * bundled: the project's data/prices; csv / jsonl: a folder of <SYMBOL>.csv / <SYMBOL>.jsonl (sourcePath);
     * synthetic: seeded GBM bars; yahoo, alphavantage, polygon, tiingo: HTTP APIs (keys from the worker's environment).
     */
    source: z.enum(['bundled', 'csv', 'jsonl', 'synthetic', 'yahoo', 'alphavantage', 'polygon', 'tiingo']).default('bundled'),
    /** Also import company fundamentals (as published, with filing dates) from this source. */
    fundamentalsSource: z.enum(['alphavantage', 'tiingo', 'sec-edgar']).optional(),
    sourcePath: z.string().min(1).optional(),
    seed: z.number().int().default(42),
    featureSet: z.string().default('default'),
    /** Import each symbol only from its last stored bar (re-checking that bar) instead of from `from`. */
    sinceLast: z.boolean().default(false),
    /** Calendar days imported before `from`, so indicators are warmed up on the first day of the range. */
    lookbackDays: z.number().int().min(0).max(3660).default(120),
    export: z
      .object({
        enabled: z.boolean().default(true),
        format: z.enum(['csv', 'jsonl', 'parquet']).default('csv'),
        /** Output file inside TICKFLOW_EXPORT_DIR (relative: to it); default <TICKFLOW_EXPORT_DIR>/<workflow id>.<format> */
        path: z.string().min(1).optional(),
        /** Replace an existing file at `path` (refused otherwise). */
        overwrite: z.boolean().optional(),
        /** Forward-return label horizon, in bars (used when `label` is not given). */
        horizon: z.number().int().min(1).max(252).default(5),
        /** Label spec: fwd_return:N, direction:N or expr:<expression over close[k]> (docs/export.md). */
        label: z.string().regex(/^(fwd_return|direction|expr):.+$/s, 'expected fwd_return:N, direction:N or expr:<expression>').optional(),
      })
      .prefault({}),
    /** Train a baseline model on the export, then predict the latest bars (needs export.enabled). */
    model: z
      .object({
        enabled: z.boolean().default(false),
        /** ridge or logistic; default: logistic for direction labels, ridge otherwise. */
        kind: z.enum(['ridge', 'logistic']).optional(),
        l2: z.number().min(0).max(1e6).default(1),
      })
      .prefault({}),
  })
  .strict())
  .refine((i) => !['csv', 'jsonl'].includes(i.source) || i.sourcePath, {
    message: 'sources "csv" and "jsonl" need sourcePath (a folder of <SYMBOL>.csv or <SYMBOL>.jsonl files)', path: ['sourcePath'],
  });

export type PipelineInput = z.infer<typeof pipelineInputSchema>;
export type PipelineInputArgs = z.input<typeof pipelineInputSchema>;
