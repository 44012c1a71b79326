/** Browser code of the "Recommend for a User…" panel. Talks to the extension only through postMessage (src/shared/recommendProtocol.ts). */
import type { RecommendHostMessage, RecommendSavedState, RecommendWebviewMessage } from '../shared/recommendProtocol';
import { renderRecommend, renderedReport } from './view';

declare function acquireVsCodeApi(): { postMessage(message: RecommendWebviewMessage): void; setState(state: RecommendSavedState): void };

const api = acquireVsCodeApi();
const post = (message: RecommendWebviewMessage): void => api.postMessage(message);
const root = document.getElementById('app') ?? document.body;

window.addEventListener('message', (event: MessageEvent<RecommendHostMessage>) => {
  const message = event.data;
  if (message?.type !== 'show') return;
  // The question, not the rows: a panel restored after a reload asks the trainer again.
  if (message.runId !== '') api.setState({ runId: message.runId, user: message.user, exact: message.exact, k: message.k });
  renderRecommend(root, message, post);
  const report = renderedReport(root, message);
  if (report) post(report);
});

post({ type: 'ready' });
