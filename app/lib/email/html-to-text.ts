/**
 * HTML email → readable plain text: block elements become line breaks, lists get dashes, links
 * keep their target, blockquotes become "> " lines (so the quote stripper can drop them),
 * and head/style/script disappear. Small and dependency-free: mail HTML only needs this much.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", copy: "©", reg: "®", trade: "™",
  hellip: "…", mdash: "—", ndash: "–", lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", bull: "•",
  euro: "€", pound: "£", yen: "¥", laquo: "«", raquo: "»", middot: "·", deg: "°", zwnj: "", zwj: "",
  eacute: "é", egrave: "è", aacute: "á", agrave: "à", uuml: "ü", ouml: "ö", auml: "ä", szlig: "ß", ccedil: "ç", ntilde: "ñ",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, code: string) => {
    if (code[0] === "#") {
      const n = code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
    }
    return NAMED_ENTITIES[code.toLowerCase()] ?? whole;
  });
}

const QUOTE_OPEN = "\u0001";
const QUOTE_CLOSE = "\u0002";

export function htmlToText(html: string): string {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(head|style|script|title|template)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<\s*br\s*\/?>/gi, "\n")
    .replace(/<\s*hr\b[^>]*>/gi, "\n---\n")
    .replace(/<\s*blockquote\b[^>]*>/gi, `\n${QUOTE_OPEN}\n`)
    .replace(/<\s*\/\s*blockquote\s*>/gi, `\n${QUOTE_CLOSE}\n`)
    .replace(/<\s*li\b[^>]*>/gi, "\n- ")
    .replace(/<\s*\/\s*(p|div|h[1-6]|tr|table|ul|ol|section|article|header|footer|pre)\s*>/gi, "\n")
    .replace(/<\s*(p|div|h[1-6]|tr|table|ul|ol|section|article|header|footer|pre)\b[^>]*>/gi, "\n")
    .replace(/<\s*\/\s*t[dh]\s*>/gi, " ")
    .replace(/<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\s*\/\s*a\s*>/gi, (_m, _q, href: string, inner: string) => {
      const label = inner.replace(/<[^>]*>/g, "").trim();
      const target = decodeEntities(href.trim());
      if (!label) return target;
      if (/^mailto:/i.test(target) || decodeEntities(label) === target || !/^https?:/i.test(target)) return label;
      return `${label} (${target})`;
    })
    .replace(/<[^>]*>/g, "");
  s = decodeEntities(s).replace(/\r\n?/g, "\n");
  // whitespace inside a line collapses as in a browser; line breaks come from the block elements above
  const lines: string[] = [];
  let depth = 0;
  for (const raw of s.split("\n")) {
    if (raw.trim() === QUOTE_OPEN) { depth++; continue; }
    if (raw.trim() === QUOTE_CLOSE) { depth = Math.max(0, depth - 1); continue; }
    const line = raw.replace(/[ \t\f\v\u00a0]+/g, " ").trim();
    lines.push(depth > 0 && line ? `${"> ".repeat(depth)}${line}` : line);
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
}
