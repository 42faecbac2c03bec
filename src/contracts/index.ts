// The contracts between workflows, activities and the CLI: types, schemas, error names, dataset references.
// Pure (no I/O, no Node built-ins; lint-enforced), so workflows in Temporal's sandbox and src/ import the same file.
export * from './activities';
export * from './derived';
export * from './errors';
export * from './input';
