/** The viewer's first acceptable locale from Accept-Language, or en-US. */
export function viewerLocale(header: string | null): string {
  if (!header) return "en-US";
  for (const part of header.split(",")) {
    const tag = part.split(";")[0]?.trim();
    if (!tag || tag === "*") continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical) return canonical;
    } catch {
      // not a valid BCP 47 tag: try the next one
    }
  }
  return "en-US";
}
