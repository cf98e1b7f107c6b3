/**
 * A namespace serial as a map key, read in place from a record's text: the hex value as a
 * number when it fits a double exactly (13 hex digits, every serial a model or a kernel of
 * today gives), else the text itself (never equal to a number key). Reading the digits in
 * place saves cutting a string and hashing it for each of the six or eight namespaces of
 * every NS_INFO.
 */

export type SerialKey = number | string;

/**
 * @param text the record's text; @param start the first digit; @param end just past the last
 * @returns the key, or null when the text there is not lowercase hex (1 to 16 digits)
 * @example
 * serialKey('netns=4000000a', 6, 14); // 0x4000000a
 */
export function serialKey(text: string, start: number, end: number): SerialKey | null {
  const n = end - start;
  if (n < 1 || n > 16) return null;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return null;
    v = v * 16 + d;
  }
  return n <= 13 ? v : text.slice(start, end);
}
