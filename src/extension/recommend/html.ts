/**
 * The "Recommend for a User…" page's HTML. No `vscode` import: the browser test loads exactly this page.
 * The plots panel's strict CSP (plots/html.ts): styles from the media folder only, scripts only with the nonce.
 */
import { contentSecurityPolicy } from '../plots/html';

export { makeNonce } from '../plots/html';

export interface RecommendHtmlInput {
  /** `webview.cspSource`: the origin that serves `localResourceRoots`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function renderRecommendHtml(input: RecommendHtmlInput): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(input.cspSource, input.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link rel="stylesheet" href="${escapeAttribute(input.styleUri)}">
    <title>Two-Tower Lab: recommendations</title>
  </head>
  <body>
    <div id="app"></div>
    <script nonce="${escapeAttribute(input.nonce)}" src="${escapeAttribute(input.scriptUri)}"></script>
  </body>
</html>
`;
}

/** The media files the page loads, relative to the extension's media folder (the panel's only resource root). */
export const RECOMMEND_MEDIA = { script: 'recommend.js', style: 'recommend.css' } as const;
