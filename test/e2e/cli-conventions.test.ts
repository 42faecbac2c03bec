// CLI conventions every command keeps: --help on stdout with exit 0 (for each command and sub-command of the command
// table), a missing action or an unknown flag a usage error on stderr with exit 2, and a failed run told in three
// lines (cause, what to do, history) with the stack traces only under --verbose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { commands } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(180_000);

/** Runs main() in this process (no services are touched before a command parses its flags), capturing both streams. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const invocations = commands.flatMap((c) => [[c.name], ...(c.actions ?? []).map((a) => [c.name, ...a.split(' ')])]);

describe('tickflow --help', () => {
  it('covers every command of the table', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(invocations.length).toBeGreaterThan(commands.length + 20);
  });

  it.each(invocations.map((argv) => [argv.join(' '), argv]))('%s --help prints its usage on stdout and exits 0', async (_, argv) => {
    const r = await inProcess([...argv, '--help']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: tickflow /);
    for (const word of argv.slice(1)) expect(r.stdout).toContain(word); // the usage documents the sub-command
  });

  it.each(commands.filter((c) => c.actions).map((c) => [c.name]))('%s without an action is a usage error on stderr (exit 2)', async (name) => {
    const r = await inProcess([name]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^Usage: tickflow /);
  });

  it.each(commands.map((c) => [c.name]))('%s --no-such-flag exits 2 naming the flag on stderr', async (name) => {
    const r = await inProcess([name, '--no-such-flag']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/tickflow: .*--no-such-flag/);
  });

  it('tickflow --help and help print the command list on stdout; no argument is a usage error', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const r = await inProcess(argv);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      for (const c of commands) expect(r.stdout).toContain(`  ${c.name} `);
    }
    const none = await inProcess([]);
    expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 2, stdout: '' });
    expect(none.stderr).toContain('Usage: tickflow <command>');
  });

  it('behaves the same through bin/tickflow.js', async () => {
    const help = spawnTickflow(['backfill', '--help'], childEnv({}));
    expect(await help.closed).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: tickflow backfill/);
    expect(help.stderr()).toBe('');
    const bad = spawnTickflow(['backfill', 'start', '--bogus'], childEnv({}));
    expect(await bad.closed).toBe(2);
    expect(bad.stdout()).toBe('');
    expect(bad.stderr()).toContain("Unknown option '--bogus'");
  });
});

describe('a failed run', () => {
  let env: TestWorkflowEnvironment;
  const taskQueue = `cli-fail-${Date.now()}`;
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-cli-fail-'));

  beforeAll(async () => {
    const ds = await openTestDataSource();
    await resetData(ds);
    await ds.destroy();
    env = await startTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
    fs.rmSync(emptyDir, { recursive: true, force: true });
  });

  // A csv source whose folder has no AAPL.csv: importPrices raises a non-retryable InputError on its first attempt.
  const failingRun = async (workflowId: string, ...extra: string[]) => {
    const p = spawnTickflow(
      ['run', '--symbols', 'AAPL', '--from', '2016-01-04', '--to', '2016-03-31', '--source', 'csv', '--source-path', emptyDir, '--no-export',
        '--workflow-id', workflowId, ...extra],
      childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }),
    );
    return { code: await p.closed, stdout: p.stdout(), stderr: p.stderr() };
  };
  const stackFrame = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

  it('prints the cause, what to do and the history link, on three lines and without a stack trace', async () => {
    const r = await failingRun('cli-fail-plain');
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('✗ '));
    expect(lines.slice(at)).toEqual([
      `✗ cli-fail-plain failed: importPrices: source csv: no price file for symbol AAPL (expected ${path.join(emptyDir, 'AAPL.csv')})`,
      '  what to do: correct the input named above (a flag, a file, a symbol) and start the run again',
      expect.stringMatching(/^ {2}history: http:\/\/\S+\/namespaces\/default\/workflows\/cli-fail-plain\/[\w-]+\/history$/),
    ]);
    // Before it: notices and progress only (the worker's own log of the failure is one line at most).
    expect(lines.slice(0, at).filter((l) => !/^(· |  \[)/.test(l))).toEqual([]);
    expect(r.stderr).not.toMatch(stackFrame);
    expect(r.stdout).toBe('');
  });

  it('adds the stack traces with --verbose', async () => {
    const r = await failingRun('cli-fail-verbose', '--verbose');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✗ cli-fail-verbose failed: importPrices: source csv: no price file for symbol AAPL');
    expect(r.stderr).toMatch(stackFrame);
    expect(r.stderr).toMatch(/InputError: source csv: no price file/);
  });
});
