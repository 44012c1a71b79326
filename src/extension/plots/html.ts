/**
 * The plots panel's HTML. No `vscode` import: the browser tests load exactly this page.
 * Strict CSP: nothing by default; styles, images and fonts only from the extension's media folder
 * (`cspSource`); scripts only with this page's nonce, so an injected inline script never runs.
 */
import { randomBytes } from 'node:crypto';

export interface PlotsHtmlInput {
  /** `webview.cspSource`: the origin that serves `localResourceRoots`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: readonly string[];
}

/** 128 random bits, base64: unguessable, and valid in a CSP `nonce-` source. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `img-src ${cspSource} data:`, `style-src ${cspSource}`, `font-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function renderPlotsHtml(input: PlotsHtmlInput): string {
  return renderWebviewPage({ ...input, title: 'Two-Tower Lab: plots' });
}

/** A webview page of the extension (the plots panel, the recommendations table): one script, its styles, this CSP. */
export function renderWebviewPage(input: PlotsHtmlInput & { title: string }): string {
  const styles = input.styleUris.map((uri) => `    <link rel="stylesheet" href="${escapeAttribute(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(input.cspSource, input.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
    <title>${escapeAttribute(input.title)}</title>
  </head>
  <body>
    <div id="app"></div>
    <script nonce="${escapeAttribute(input.nonce)}" src="${escapeAttribute(input.scriptUri)}"></script>
  </body>
</html>
`;
}

/** The media files the page loads, relative to the extension root (also the panel's only resource root). */
export const PLOTS_MEDIA = { script: 'webview.js', styles: ['uplot.min.css', 'base.css', 'webview.css'] } as const;
