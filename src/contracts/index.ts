// The contracts between workflows, activities and the CLI: types, schemas, error names, dataset references.
// Pure (no I/O, no Node built-ins; lint-enforced), so workflows in Temporal's sandbox and src/ import the same file.
export * from './activities';
export * from './dataset-ref';
export * from './dates';
export * from './derived';
export * from './errors';
export * from './input';
export * from './portfolio';
export * from './schemas';
