// Tests are compiled by `tsc` (the same build the CLI runs) and jest runs the JavaScript:
// one compiler, one set of type errors, and worker child processes run exactly what the tests ran.
// TICKFLOW_DIST (default dist) lets several people build and test one checkout side by side.
const dist = process.env.TICKFLOW_DIST || 'dist';
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: [`<rootDir>/${dist}/test`],
  testMatch: ['**/*.test.js'],
  globalSetup: `<rootDir>/${dist}/test/setup/global-setup.js`,
  globalTeardown: `<rootDir>/${dist}/test/setup/global-teardown.js`,
  testTimeout: 120000,
  verbose: true,
};
