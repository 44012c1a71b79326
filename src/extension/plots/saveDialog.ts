/** The one UI call of exports: where to save. Defaults to the first workspace folder. */
import * as vscode from 'vscode';

export async function askSaveLocation(fileName: string, format: 'png' | 'csv'): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: format === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] },
    saveLabel: `Export ${format.toUpperCase()}`,
  });
}
