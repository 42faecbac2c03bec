// The seeded database and in-process `tickflow ui` server the page tests share: a Temporal dev server and worker
// (useTestWorker) run the real pipeline on the test database, then the UI serves that database on a free port.
import { loadConfig, type Config } from '../../src/config';
import { startUiServer, type RunningUi } from '../../src/ui/server';
import { marketDataPipeline } from '../../workflows';
import { useTestWorker, type WorkerHarness, type WorkerHarnessOptions } from './services';

export interface UiHarness {
  readonly h: WorkerHarness;
  /** The server's base URL, e.g. http://127.0.0.1:41234 (set once beforeAll ran). */
  readonly url: string;
  readonly config: Config;
  /** The pipeline summaries the default seed produced, oldest first. */
  readonly pipelines: PipelineSummary[];
}

export type PipelineSummary = Awaited<ReturnType<typeof marketDataPipeline>>;

export interface UiHarnessOptions extends WorkerHarnessOptions {
  /** Pipelines run before the server starts. @default one run of AAPL and SPY over 2015-01-02..2015-03-31 */
  pipelines?: { symbols: string[]; from: string; to: string }[];
  /** More seeding once the pipelines ran (hostile rows, quality failures, portfolios…). */
  seed?: (h: WorkerHarness, pipelines: PipelineSummary[]) => Promise<void>;
  /** The UI's token (TICKFLOW_UI_TOKEN). @default none */
  token?: string;
}

export const DEFAULT_UI_PIPELINES = [{ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-03-31' }];

/** Runs `marketDataPipeline` to completion with a fixed workflow id. */
export async function runPipeline(h: WorkerHarness, input: { symbols: string[]; from: string; to: string }, workflowId: string): Promise<PipelineSummary> {
  const handle = await h.env.client.workflow.start(marketDataPipeline, { taskQueue: h.taskQueue, workflowId, args: [input] });
  return handle.result();
}

export function useUiServer(name: string, opts: UiHarnessOptions = {}): UiHarness {
  const h = useTestWorker(name, opts);
  let ui: RunningUi | undefined;
  const state = { url: '', config: undefined as unknown as Config, pipelines: [] as PipelineSummary[] };
  beforeAll(async () => {
    for (const [i, p] of (opts.pipelines ?? DEFAULT_UI_PIPELINES).entries()) state.pipelines.push(await runPipeline(h, p, `${name}-pipeline-${i + 1}`));
    await opts.seed?.(h, state.pipelines);
    state.config = loadConfig();
    ui = await startUiServer({ dataSource: h.ds, config: state.config }, { host: '127.0.0.1', port: 0, token: opts.token });
    state.url = ui.url;
  });
  afterAll(async () => {
    await ui?.close();
  });
  return {
    h,
    get url() {
      return state.url;
    },
    get config() {
      return state.config;
    },
    get pipelines() {
      return state.pipelines;
    },
  };
}
