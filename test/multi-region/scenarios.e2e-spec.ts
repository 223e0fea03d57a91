import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioRunner } from '../support/scenario/scenario-runner';

/** Every `scenarios/*.scenario` on real processes (TrentWorld); `TRENT_SCENARIO=<name>` runs one, `TRENT_SCENARIO_TRACE=1` prints each step. */
const dir = join(__dirname, 'scenarios');
const only = process.env.TRENT_SCENARIO;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.scenario'))
  .filter((f) => !only || f === `${only}.scenario`)
  .sort();

describe('multi-Region scenarios (real processes)', () => {
  it.each(files)('%s', async (file) => {
    const result = await ScenarioRunner.run(readFileSync(join(dir, file), 'utf8'));
    expect(result.steps).toBeGreaterThan(0);
  }, 120_000);
});
