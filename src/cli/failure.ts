// How a failure reaches the user: the cause in one line, what to do about it and the run's history. Stack traces
// are for whoever debugs Tickflow: only with --verbose (the Temporal history keeps them anyway).
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';

/** The failure chain, outermost first: WorkflowFailedError → ActivityFailure → ApplicationFailure … */
function chain(e: unknown): Error[] {
  const out: Error[] = [];
  for (let c: unknown = e; c instanceof Error && out.length < 20; c = c.cause) out.push(c);
  return out;
}

const oneLine = (s: string) => s.trim().replace(/\s*\n\s*/g, '; ');

/** What to do, by the failure type the activity or workflow raised (src/contracts/errors, workflows/*). */
const HINTS: Record<string, (workflowId: string) => string> = {
  QualityGateError: (id) => `a blocking quality rule failed: see its results with \`tickflow runs show ${id}\` and `
    + '`tickflow quality history --run <PipelineRun id>`, fix or re-import the data, then run again',
  InvalidInput: () => 'correct the input named above and start the run again',
  InputError: () => 'correct the input named above (a flag, a file, a symbol) and start the run again',
  ProviderError: () => 'the data source refused the request: check the symbol, the source path or the API key named above',
  ConfigError: () => 'fix the environment variable named above (README, "Settings") and run again',
  BackfillBatchesFailed: (id) => `see the failed batches in the history; \`tickflow backfill start --workflow-id ${id}\` again resumes the rest`,
};

export interface FailureSummary {
  /** One line: the innermost cause, prefixed by the activity that raised it. */
  cause: string;
  /** One line: what the user can do about it. */
  hint: string;
}

export function summarizeFailure(e: unknown, workflowId: string): FailureSummary {
  const all = chain(e);
  const root = all.at(-1) ?? new Error(String(e));
  const activity = all.find((f): f is ActivityFailure => f instanceof ActivityFailure);
  const type = root instanceof ApplicationFailure ? root.type ?? '' : root.name;
  const hint = HINTS[type]?.(workflowId)
    ?? (root instanceof TimeoutFailure
      ? 'a stage timed out: check that a worker polls the task queue and that PostgreSQL answers, then run again'
      : 'the history has every attempt; rerun with --verbose for stack traces');
  return { cause: oneLine(`${activity ? `${activity.activityType}: ` : ''}${root.message}`), hint };
}

/** Every failure of the chain with its stack (remote ones included: the SDK carries them across). */
export function stackTraces(e: unknown): string {
  return chain(e).map((f) => f.stack ?? `${f.name}: ${f.message}`).join('\nCaused by: ');
}

/** A failed workflow run, as the CLI prints it. */
export function failureReport(e: unknown, o: { workflowId: string; link: string; verbose: boolean }): string {
  const { cause, hint } = summarizeFailure(e, o.workflowId);
  return `✗ ${o.workflowId} failed: ${cause}\n  what to do: ${hint}\n  history: ${o.link}${o.verbose ? `\n\n${stackTraces(e)}` : ''}`;
}

/** An error no command expected: its message, and the stack only when asked for. */
export function describeUnexpected(e: unknown, verbose: boolean): string {
  if (!(e instanceof Error)) return String(e);
  return verbose ? stackTraces(e) : `${oneLine(e.message)} (rerun with --verbose for the stack trace)`;
}
