/** Browser code of the plots panel. Talks to the extension only through postMessage (src/shared/webviewProtocol.ts). */
import { isHostToWebviewMessage, readViewState, WEBVIEW_PROTOCOL_VERSION, type WebviewToHostMessage } from '../shared/webviewProtocol';
import { PlotsApp, type PlotsDebugHook, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

declare global {
  interface Window {
    /** Read by the browser tests and the render benchmark. */
    __plots?: PlotsDebugHook;
  }
}

const api = acquireVsCodeApi();
const post = (message: WebviewToHostMessage): void => api.postMessage(message);

function reportError(error: unknown): void {
  const message = error instanceof Error ? `${error.message}${error.stack ? `\n${error.stack}` : ''}` : String(error);
  post({ type: 'webviewError', message });
}

window.addEventListener('error', (event) => reportError(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => reportError(event.reason));

const root = document.getElementById('app') ?? document.body;
const saved = api.getState();
// A restored state brings its own layout; only a new panel takes the workspace's (restoreLayout).
const state = readViewState(saved);
const app = new PlotsApp(root, api, state, saved !== null && saved !== undefined);
window.__plots = app.debugHook();

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostToWebviewMessage(event.data)) return;
  try {
    app.handle(event.data);
  } catch (error) {
    reportError(error);
  }
});

// The host holds its messages until this arrives, so nothing is posted before the listener above exists.
post({ type: 'initialized', protocolVersion: WEBVIEW_PROTOCOL_VERSION, ...(state.referenceRunId !== null ? { referenceRunId: state.referenceRunId } : {}) });
