/** "Profile Data" without vscode: the command line it runs and how it reads the profile from stdout. */
import { describe, expect, it } from 'vitest';

import { dataCommandLine, parseProfileOutput } from '../../../src/extension/data/profileData';

describe('profile data command', () => {
  it('runs the trainer bundle with `data <file> --json`', () => {
    const line = dataCommandLine({ trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/node', nodePath: undefined }, '/w/x.tower.yaml');
    expect(line.args).toEqual(['/ext/dist/trainer.js', 'data', '/w/x.tower.yaml', '--json']);
  });

  it('reads the last line that is a profile, ignoring warnings and other JSON', () => {
    const profile = { rows: 8, users: 3, popularity: { top20: 0.75 }, rankFrequency: [3, 1] };
    expect(parseProfileOutput(`warning: something\n{"type":"other"}\n${JSON.stringify(profile)}\n`)).toEqual(profile);
    expect(parseProfileOutput('no json here\n')).toBeUndefined();
  });
});
