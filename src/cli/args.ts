// Small argument parsing on node:util's parseArgs: strict, with a usage error that names the bad flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
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

/** Validates one flag with zod; the error names the flag, the value and the command. */
export function checkFlag<T>(schema: z.ZodType<T>, name: string, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError(`--${name}=${JSON.stringify(value)}: ${r.error.issues[0].message}`, where);
  return r.data;
}
