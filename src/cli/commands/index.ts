// Every `tickflow` command, in the order `tickflow --help` lists them. Add new commands at the end.
import type { Command } from '../context';
import { dbCommand } from './db';
import { featuresCommand } from './features';
import { qualityCommand } from './quality';
import { runCommand } from './run';
import { runsCommand } from './runs';
import { servicesCommand } from './services';
import { workerCommand } from './worker';

export const commands: Command[] = [runCommand, workerCommand, dbCommand, runsCommand, servicesCommand, featuresCommand, qualityCommand];
