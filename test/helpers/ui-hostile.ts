// Hostile text for the UI's escaping tests: if any of it were interpolated as markup, a script would run (setting a
// window flag) or an element would appear. Pages must show it literally.
import type { DataSource } from 'typeorm';

export const HOSTILE_SCRIPT = '<script>window.__x=1</script>';
export const HOSTILE_IMG = '"><img src=x onerror="window.__y=1">';
export const HOSTILE_SYMBOL = `X${HOSTILE_IMG}`;

/** A failed run whose workflow id, symbols, error and lineage output are all hostile. Returns its id. */
export async function insertHostileRun(ds: DataSource): Promise<string> {
  const [run] = await ds.query(
    `INSERT INTO pipeline_run (workflow_id, run_id, workflow_type, task_queue, status, input, counts, gate, error, started_at, finished_at)
     VALUES ($1, 'hostile-run', 'marketDataPipeline', 'q', 'failed', $2, $3, $4, $5, now() - interval '1 minute', now()) RETURNING id`,
    [`wf-${HOSTILE_SCRIPT}`, JSON.stringify({ symbols: [HOSTILE_SYMBOL], from: '2015-01-02', to: '2015-01-31' }),
      JSON.stringify({ [HOSTILE_SCRIPT]: 1 }), JSON.stringify({ decision: 'block', blockingFailures: [HOSTILE_SCRIPT], warnings: [], validationResultIds: [] }),
      `import failed: ${HOSTILE_SCRIPT} ${HOSTILE_IMG}`],
  );
  await ds.query(
    `INSERT INTO data_lineage (pipeline_run_id, workflow_id, run_id, activity_id, activity_type, attempt, input_datasets, output_dataset, rows_in, rows_out, details)
     VALUES ($1, $2, 'hostile-run', '1', 'importPrices', 1, $3, $4, 1, 1, '{}')`,
    [run.id, `wf-${HOSTILE_SCRIPT}`, JSON.stringify([`file:/tmp/${HOSTILE_SCRIPT}.csv`]), `file:/tmp/${HOSTILE_IMG}.out`],
  );
  return run.id;
}

/** Whether any hostile markup took effect in the page. */
export const HOSTILE_EFFECTS = `(() => ({ x: window.__x ?? null, y: window.__y ?? null, imgs: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length }))()`;
