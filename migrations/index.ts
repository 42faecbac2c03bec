// Migrations in the order they apply. Append new ones at the end; never edit one that has shipped.
import { CoreSchema1732406400000 } from './1732406400000-core-schema';
import { PortfolioAndModels1732406500000 } from './1732406500000-portfolio-and-models';
import { Quality1732406700000 } from './1732406700000-quality';
import { CorporateActions1732406800000 } from './1732406800000-corporate-actions';
import { Orchestration1732406900000 } from './1732406900000-orchestration';
import { BarContext1732407000000 } from './1732407000000-bar-context';
import { QualityParallelSample1732407100000 } from './1732407100000-quality-parallel-sample';
import { DerivedStaleness1732407200000 } from './1732407200000-derived-staleness';
import { DatabaseIdentity1732407400000 } from './1732407400000-database-identity';
import { PortfolioLedger1732407500000 } from './1732407500000-portfolio-ledger';
import { Risk1732407600000 } from './1732407600000-risk';
import { PortfolioOptimization1732407700000 } from './1732407700000-portfolio-optimization';
import { Documents1732407900000 } from './1732407900000-documents';
import { FeatureSetInputs1732408200000 } from './1732408200000-feature-set-inputs';
import { FeatureDataWithoutFk1732408400000 } from './1732408400000-feature-data-without-fk';

export const migrations = [CoreSchema1732406400000, PortfolioAndModels1732406500000, Quality1732406700000, CorporateActions1732406800000, Orchestration1732406900000,
  BarContext1732407000000, QualityParallelSample1732407100000, DerivedStaleness1732407200000, DatabaseIdentity1732407400000, PortfolioLedger1732407500000,
  Risk1732407600000, PortfolioOptimization1732407700000, Documents1732407900000, FeatureSetInputs1732408200000, FeatureDataWithoutFk1732408400000];
