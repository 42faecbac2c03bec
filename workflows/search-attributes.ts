// Custom search attributes the workflows set, so runs can be filtered in the Web UI and with `temporal workflow list`.
// Pure definitions: imported by workflow code and by the server setup that registers them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TICKFLOW_STAGE = defineSearchAttributeKey('TickflowStage', SearchAttributeType.KEYWORD);
export const TICKFLOW_SYMBOLS = defineSearchAttributeKey('TickflowSymbols', SearchAttributeType.KEYWORD_LIST);
export const TICKFLOW_SOURCE = defineSearchAttributeKey('TickflowSource', SearchAttributeType.KEYWORD);
export const TICKFLOW_FEATURE_SET = defineSearchAttributeKey('TickflowFeatureSet', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [TICKFLOW_STAGE, TICKFLOW_SYMBOLS, TICKFLOW_SOURCE, TICKFLOW_FEATURE_SET];
