/**
 * The "Recommend for a User…" page's HTML. No `vscode` import: the browser test loads exactly this page.
 * The plots panel's strict CSP (plots/html.ts): styles from the media folder only, scripts only with the nonce.
 */
import { renderWebviewPage } from '../plots/html';

export { makeNonce } from '../plots/html';

export interface RecommendHtmlInput {
  /** `webview.cspSource`: the origin that serves `localResourceRoots`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  /** The media folder's style sheets, in RECOMMEND_MEDIA.styles' order. */
  styleUris: readonly string[];
}

export function renderRecommendHtml(input: RecommendHtmlInput): string {
  return renderWebviewPage({ cspSource: input.cspSource, nonce: input.nonce, scriptUri: input.scriptUri, styleUris: input.styleUris, title: 'Two-Tower Lab: recommendations' });
}

/** The media files the page loads, relative to the extension's media folder (the panel's only resource root). */
export const RECOMMEND_MEDIA = { script: 'recommend.js', styles: ['base.css', 'recommend.css'] } as const;
