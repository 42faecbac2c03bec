// The compiled half of bootstrap: makes sure the Temporal CLI exists (building it once into the tool cache)
// and warms it, so the first dev-server start does not race the SDK's start-up timeout.
import { loadConfig } from './config';
import { ensureTemporalCli, warmTemporalCli } from './services/temporal-cli';
import { ensureWeaviateServer } from './services/weaviate-server';

function main(): void {
  const quiet = process.argv.includes('--quiet');
  const log = (msg: string) => {
    if (!quiet) process.stderr.write(`[setup] ${msg}\n`);
  };
  const config = loadConfig();
  const cli = ensureTemporalCli({ cliPath: config.temporal.cliPath, toolsDir: config.temporal.toolsDir }, log);
  log(`Temporal CLI: ${cli} (${warmTemporalCli(cli).split('\n')[0]})`);
  // The Weaviate server (a ~8 minute Go build once) only where it is used: the test suite and benchmarks start
  // one, and a configured default store of weaviate without WEAVIATE_URL needs one. `npm run demo` does not.
  const wantsWeaviate = process.argv.includes('--test') || process.argv.includes('--vector-stores')
    || (config.vectors.defaultStore === 'weaviate' && !config.vectors.weaviateUrl);
  if (wantsWeaviate) log(`Weaviate server: ${ensureWeaviateServer(config.temporal.toolsDir, log)}`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`[setup] ${(err as Error).message}\n`);
  process.exit(1);
}
