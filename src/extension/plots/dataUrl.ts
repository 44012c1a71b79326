/** Decodes the `data:` URLs the webview sends for exports. No `vscode` import. */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The bytes of a `data:image/png;base64,...` URL, checked to really be a PNG. */
export function decodePngDataUrl(url: string): Uint8Array {
  const prefix = 'data:image/png;base64,';
  if (!url.startsWith(prefix)) {
    throw new Error(`The exported chart is not a PNG data URL (it starts with "${url.slice(0, 30)}"); the webview must send canvas.toDataURL('image/png').`);
  }
  const bytes = Buffer.from(url.slice(prefix.length), 'base64');
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error(`The exported chart's data (${bytes.length} bytes) does not start with the PNG signature; the image is damaged.`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
