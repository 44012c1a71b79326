/** Colours of the current VS Code theme, read from the CSS variables VS Code sets on the webview body. */
export interface Theme {
  foreground: string;
  background: string;
  grid: string;
  font: string;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const pick = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: pick('--vscode-editor-foreground', '#333333'),
    background: pick('--vscode-editor-background', '#ffffff'),
    grid: pick('--vscode-editorWidget-border', 'rgba(128, 128, 128, 0.25)'),
    font: `${pick('--vscode-font-size', '12px')} ${pick('--vscode-font-family', 'sans-serif')}`,
  };
}
