/**
 * The experiment language in a real VS Code: the extension starts the language server, a semantic error shows
 * up in vscode.languages.getDiagnostics, and the quick fix from vscode.executeCodeActionProvider clears it.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, experimentWithImpressedNegatives, waitUntil, workspaceRoot } from './util';

const WITH_ERROR = experimentWithImpressedNegatives('host-language');

export function registerLanguageTests(): void {
  describe('experiment language', () => {
    let uri: vscode.Uri;
    before(async () => {
      await activateExtension();
      uri = vscode.Uri.joinPath(workspaceRoot(), 'host-language-test.tower.yaml');
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(WITH_ERROR));
    });
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(uri);
    });

    const codes = (): string[] => vscode.languages.getDiagnostics(uri).map((d) => String(typeof d.code === 'object' ? d.code.value : d.code));

    it('shows the server\'s semantic diagnostic, then applies its quick fix', async () => {
      const shown = waitUntil(vscode.languages.onDidChangeDiagnostics, () => codes().includes('impressed-negatives'), 'the impressed-negatives diagnostic', 30_000);
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      assert.equal(doc.languageId, 'two-tower');
      await shown;
      const diagnostic = vscode.languages.getDiagnostics(uri).find((d) => String(typeof d.code === 'object' ? d.code.value : d.code) === 'impressed-negatives')!;
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
      // Line 16 (0-based 15) is `    source: impressed_not_clicked`; the range starts at the value.
      assert.equal(diagnostic.range.start.line, 15);
      assert.equal(diagnostic.range.start.character, 12);

      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => /in_batch/.test(a.title));
      assert.ok(fix?.edit, `no in_batch quick fix among: ${actions.map((a) => a.title).join(' | ')}`);
      const cleared = waitUntil(vscode.languages.onDidChangeDiagnostics, () => codes().length === 0, 'the diagnostics to clear after the fix', 30_000);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      await cleared;
      assert.match(doc.getText(), /^ {4}source: in_batch$/m);
    });

    it('puts the Train lenses on the file, with the document as a vscode.Uri', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const commands = lenses.map((l) => l.command).filter((c): c is vscode.Command => c !== undefined);
      assert.deepEqual(commands.map((c) => c.command), ['twoTowerLab.runExperiment', 'twoTowerLab.runExperiment']);
      assert.ok(commands[0].arguments?.[0] instanceof vscode.Uri, 'the first argument should be a vscode.Uri');
      assert.equal((commands[0].arguments?.[0] as vscode.Uri).toString(), uri.toString());
      assert.deepEqual(commands[1].arguments?.[1], { pickLoss: true });
    });

    it('completes the losses from the schema', async () => {
      // Line 14 (0-based 13) is `  loss: softmax`; complete at the start of the value.
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(13, 8));
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      for (const loss of ['bce', 'hinge', 'logistic', 'softmax']) assert.ok(labels.includes(loss), `${loss} missing from ${labels.join(', ')}`);
    });
  });
}
