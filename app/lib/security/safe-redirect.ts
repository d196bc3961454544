/**
 * Only same-origin paths are allowed as post-login destinations: "/x" yes; "//evil", "/\\evil",
 * "https://evil", "javascript:" no. Anything else falls back to the default.
 */
export function safeRedirect(to: unknown, fallback = "/integrations"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2048) return fallback;
  if (!to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  // Control characters (tab, newline) are stripped by URL parsers and can smuggle "//".
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point of this check.
  if (/[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
  try {
    const base = "http://same.invalid";
    const url = new URL(to, base);
    if (url.origin !== base) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
