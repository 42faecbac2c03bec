// Small argument parsing on node:util's parseArgs: strict, with a usage error that names the bad flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../contracts/errors';

export type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
type Config<O extends Options> = { args: string[]; options: WithHelp<O>; allowPositionals: true; strict: true };

export function parse<O extends Options>(argv: string[], options: O, command: string): ReturnType<typeof parseArgs<Config<O>>> {
  const config: Config<O> = {
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  };
  try {
    return parseArgs(config);
  } catch (err) {
    throw new InputError((err as Error).message.replace(/\. To specify.*$/s, ''), `tickflow ${command}`);
  }
}
