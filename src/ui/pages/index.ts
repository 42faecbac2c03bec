// Every page of `tickflow ui`, each registering its own routes. Add new pages at the end.
import type { UiPage } from '../deps';
import * as documents from './documents';
import * as features from './features';
import * as lineage from './lineage';
import * as portfolios from './portfolios';
import * as quality from './quality';
import * as runs from './runs';

export const pages: UiPage[] = [runs, lineage, quality, features, portfolios, documents];
