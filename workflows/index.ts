// Workflow entry point for the worker's bundle: every workflow type Tickflow registers.
export { marketDataPipeline, progressQuery } from './market-data-pipeline';
export type { PipelineProgress, PipelineSummary, Stage } from './market-data-pipeline';
export { recomputeFeatures } from './recompute-features';
export { backfill, backfillProgressQuery, pauseSignal, resumeSignal, cancelSignal } from './backfill';
export { dailyPipeline } from './daily-pipeline';
export { reprocess, reprocessProgressQuery } from './reprocess';
export { portfolioValuation, bookTrades } from './portfolio';
export { riskRun } from './risk';
export { optimizePortfolio } from './optimize';
export { ingestDocuments } from './ingest-documents';
