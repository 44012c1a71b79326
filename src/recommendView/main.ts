/** Browser code of the "Recommend for a User…" panel. Talks to the extension only through postMessage (src/shared/recommendProtocol.ts). */
import type { RecommendHostMessage, RecommendWebviewMessage } from '../shared/recommendProtocol';
import { renderRecommend, renderedReport } from './view';

declare function acquireVsCodeApi(): { postMessage(message: RecommendWebviewMessage): void };

const api = acquireVsCodeApi();
const post = (message: RecommendWebviewMessage): void => api.postMessage(message);
const root = document.getElementById('app') ?? document.body;

window.addEventListener('message', (event: MessageEvent<RecommendHostMessage>) => {
  const message = event.data;
  if (message?.type !== 'show') return;
  renderRecommend(root, message, post);
  const report = renderedReport(root, message);
  if (report) post(report);
});

post({ type: 'ready' });
