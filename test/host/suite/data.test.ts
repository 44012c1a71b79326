/**
 * Runs in a real VS Code: "Two-Tower Lab: Profile Data" runs `two-tower-lab data --json` in a child process
 * (the extension host never loads DuckDB) and resolves with the profile of the experiment's data, the
 * same numbers as the CLI; a file that is not an experiment is refused with a message, not a crash.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

import type { DataProfile } from '../../../src/core/data/profile';
import { Commands } from '../../../src/extension/commands';
import { activateExtension, workspaceRoot } from './util';

export function registerDataTests(): void {
  describe('profile data', () => {
    before(async function () {
      this.timeout(60_000);
      await activateExtension();
    });

    it('profiles the experiment of a Uri: users, items, positives and the split of its (synthetic) data', async function () {
      this.timeout(120_000);
      const uri = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
      const profile = await vscode.commands.executeCommand<DataProfile | undefined>(Commands.profileData, uri);
      assert.ok(profile, 'the command resolved with no profile');
      // data.synthetic: 50 users × 40 items.
      assert.ok(profile.users > 0 && profile.users <= 50, `users ${profile.users}`);
      assert.ok(profile.items > 0 && profile.items <= 40, `items ${profile.items}`);
      assert.ok(profile.positives > 0 && profile.split.train + profile.split.test + profile.split.droppedTestUnseen <= profile.positives);
      assert.ok(profile.popularity.top20 > 0 && profile.popularity.top20 <= 1);
      assert.equal(profile.rankFrequency.length, profile.popularity.itemsWithClicks);
    });

    it('refuses a file that is not an experiment', async () => {
      const uri = vscode.Uri.joinPath(workspaceRoot(), 'notes.yaml');
      assert.equal(await vscode.commands.executeCommand(Commands.profileData, uri), undefined);
    });
  });
}
