import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InteractionEnv, runScript } from './testing/interaction-env';

// Golden-output scripts in libs/raft/testdata. Regenerate with: REWRITE=1 npx jest libs/raft/src/interaction
const dir = join(__dirname, '..', 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe(InteractionEnv.name, () => {
  it.each(files)('%s', (file) => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const actual = runScript(text);
    if (process.env.REWRITE) {
      writeFileSync(path, actual);
      return;
    }
    expect(actual).toBe(text);
  });
});
