/**
 * What `activate()` returns. Other extensions may use it; the extension-host tests use it to assert
 * on the tree without scraping the UI.
 */
import type * as vscode from 'vscode';

export interface TwoTowerLabApi {
  readonly experiments: {
    /** Absolute paths of the experiment files the tree lists, in tree order. */
    list(): string[];
    /** Fires after the tree changed. */
    readonly onDidChange: vscode.Event<void>;
    /** Resolves after the initial workspace scan. */
    readonly ready: Promise<void>;
  };
}
