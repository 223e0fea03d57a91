#!/usr/bin/env node
'use strict';
// The `trent` command. Plain JavaScript so it runs before anything is compiled: when the CLI's
// build is missing it runs `npm run build` once, then hands over to the compiled CLI.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', '..', '..');
const entry = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('trent: no build found; running `npm run build` first (once)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.error || build.status !== 0 || !existsSync(entry)) {
    const why = build.error ? build.error.message : `exit code ${build.status}`;
    process.stderr.write(`trent: the build failed (${why}); fix the errors above and run \`npm run build\`\n`);
    process.exit(1);
  }
}

require(entry).main(process.argv.slice(2));
