/** Browser code of the plots panel. Talks to the extension only through postMessage. */
declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
vscode.postMessage({ type: 'initialized' });
