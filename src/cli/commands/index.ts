// Every `tickflow` command, in the order `tickflow --help` lists them. Add new commands at the end.
import type { Command } from '../context';
import { dbCommand } from './db';
import { featuresCommand } from './features';
import { qualityCommand } from './quality';
import { runCommand } from './run';
import { runsCommand } from './runs';
import { servicesCommand } from './services';
import { workerCommand } from './worker';
import { backfillCommand } from './backfill';
import { lineageCommand } from './lineage';
import { reprocessCommand } from './reprocess';
import { scheduleCommand } from './schedule';
import { exportCommand } from './export';
import { modelsCommand } from './models';
import { portfolioCommand } from './portfolio';
import { codecServerCommand } from './codec-server';
import { riskCommand } from './risk';
import { optimizeCommand } from './optimize';
import { docsCommand } from './docs';
import { uiCommand } from './ui';

export const commands: Command[] = [runCommand, workerCommand, dbCommand, runsCommand, servicesCommand, featuresCommand, qualityCommand, backfillCommand, reprocessCommand, scheduleCommand, lineageCommand, exportCommand, modelsCommand, portfolioCommand, codecServerCommand, riskCommand, optimizeCommand, docsCommand, uiCommand];
