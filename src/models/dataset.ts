// Reads an export (CSV, JSON Lines or Parquet) with its manifest into per-split matrices for training.
// The baseline trainer holds the dataset in memory (rows × features doubles); the export itself is streamed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { InputError } from '../contracts/errors';
import { readManifest, type ExportManifest } from '../export/training-export';

export type SplitName = 'train' | 'validation' | 'test';

export interface SplitMatrix {
  rows: number;
  /** Row-major, rows × features; NaN = missing. */
  x: Float64Array;
  y: Float64Array;
}

export interface Dataset {
  manifest: ExportManifest;
  featureNames: string[];
  labelColumn: string;
  splits: Record<SplitName, SplitMatrix>;
}

class SplitBuilder {
  private x: number[] = [];
  private y: number[] = [];
  add(features: number[], label: number): void {
    for (const v of features) this.x.push(v);
    this.y.push(label);
  }
  build(): SplitMatrix {
    return { rows: this.y.length, x: Float64Array.from(this.x), y: Float64Array.from(this.y) };
  }
}

const toNumber = (v: unknown): number => (v === null || v === undefined || v === '' ? NaN : Number(v));

/** sha256 of the file as stored: training refuses a file that is not the one its manifest describes. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

export async function readDataset(file: string): Promise<Dataset> {
  if (!fs.existsSync(file)) throw new InputError(`no export at ${file}`, 'datasetPath');
  if (!fs.existsSync(`${file}.manifest.json`)) throw new InputError(`no manifest next to ${file} (expected ${file}.manifest.json)`, 'datasetPath');
  let manifest: ExportManifest;
  try {
    manifest = readManifest(file);
  } catch (err) {
    throw new InputError(`cannot read ${file}.manifest.json: ${(err as Error).message}`, 'datasetPath');
  }
  const actual = await fileSha256(file);
  if (actual !== manifest.sha256) throw new InputError(`${file} has sha256 ${actual}, its manifest says ${manifest.sha256}`, 'datasetPath');
  const labelColumn = manifest.label.column;
  const featureNames = manifest.columns.filter((c) => !['symbol', 'ts', 'split', labelColumn].includes(c));
  const builders = { train: new SplitBuilder(), validation: new SplitBuilder(), test: new SplitBuilder() };
  const positions = featureNames.map((n) => manifest.columns.indexOf(n));
  const splitAt = manifest.columns.indexOf('split');
  const labelAt = manifest.columns.indexOf(labelColumn);

  if (manifest.format === 'parquet') {
    const table = tableFromIPC(readParquet(fs.readFileSync(file)).intoIPCStream());
    const split = table.getChild('split')!;
    const label = table.getChild(labelColumn)!;
    const cols = featureNames.map((n) => table.getChild(n)!);
    for (let i = 0; i < table.numRows; i++) {
      builders[split.get(i) as SplitName].add(cols.map((c) => toNumber(c.get(i))), toNumber(label.get(i)));
    }
  } else {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let header = manifest.format === 'csv';
    for await (const line of lines) {
      if (header) {
        header = false;
        continue;
      }
      if (!line) continue;
      if (manifest.format === 'csv') {
        const cells = line.split(',');
        builders[cells[splitAt] as SplitName].add(positions.map((p) => toNumber(cells[p])), toNumber(cells[labelAt]));
      } else {
        const row = JSON.parse(line) as Record<string, unknown>;
        builders[row.split as SplitName].add(featureNames.map((n) => toNumber(row[n])), toNumber(row[labelColumn]));
      }
    }
  }
  return {
    manifest, featureNames, labelColumn,
    splits: { train: builders.train.build(), validation: builders.validation.build(), test: builders.test.build() },
  };
}
