import { CompanyFundamental } from './company-fundamental';
import { CorporateAction } from './corporate-action';
import { DataLineage } from './data-lineage';
import { DerivedStaleness } from './derived-staleness';
import { Document } from './document';
import { DocumentChunk } from './document-chunk';
import { DocumentEmbedding } from './document-embedding';
import { DocumentQuarantine } from './document-quarantine';
import { EmbeddingModel } from './embedding-model';
import { FeatureData } from './feature-data';
import { FeatureSet } from './feature-set';
import { ModelPrediction } from './model-prediction';
import { ModelTrainingRun } from './model-training-run';
import { PerformanceMetric } from './performance-metric';
import { PipelineRun } from './pipeline-run';
import { Portfolio } from './portfolio';
import { PortfolioOptimization } from './portfolio-optimization';
import { PortfolioPosition } from './portfolio-position';
import { PortfolioValuation } from './portfolio-valuation';
import { PriceData } from './price-data';
import { PriceQuarantine } from './price-quarantine';
import { Trade } from './trade';
import { TradeQuarantine } from './trade-quarantine';
import { ValidationResult } from './validation-result';
import { VaRCalculation } from './var-calculation';
import { RiskPnl } from './risk-pnl';
import { VaRBacktest } from './var-backtest';

export {
  CompanyFundamental, CorporateAction, DataLineage, DerivedStaleness, DocumentEmbedding, FeatureData, FeatureSet, ModelPrediction, ModelTrainingRun,
  PerformanceMetric, PipelineRun, Portfolio, PortfolioOptimization, PortfolioPosition, PortfolioValuation, PriceData, PriceQuarantine, Trade, TradeQuarantine,
  ValidationResult, VaRCalculation, RiskPnl, VaRBacktest,
};
export { Document, DocumentChunk, DocumentQuarantine, EmbeddingModel };

export const entities = [
  PriceData, PriceQuarantine, CompanyFundamental, FeatureSet, FeatureData, ValidationResult, PipelineRun, DataLineage,
  PortfolioPosition, Trade, VaRCalculation, PerformanceMetric, PortfolioOptimization, DocumentEmbedding,
  ModelTrainingRun, ModelPrediction, CorporateAction, DerivedStaleness, Portfolio, PortfolioValuation, TradeQuarantine, RiskPnl, VaRBacktest,
  Document, DocumentChunk, EmbeddingModel, DocumentQuarantine,
];
