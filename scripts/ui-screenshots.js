#!/usr/bin/env node
// Writes docs/ui/*.png: every `tickflow ui` page in headless Chromium over the configured database (after `npm run
// demo`, the demo's). Needs the build (npm run build) and /usr/bin/chromium. See test/tools/ui-screenshots.ts.
'use strict';
const path = require('node:path');

const dist = process.env.TICKFLOW_DIST || 'dist';
require(path.join(__dirname, '..', dist, 'test', 'tools', 'ui-screenshots.js')).main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`ui-screenshots: ${e.stack || e}\n`);
    process.exit(1);
  },
);
