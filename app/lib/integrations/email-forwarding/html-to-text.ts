/**
 * HTML email → readable plain text: block elements become line breaks, lists get dashes, links
 * keep their target, blockquotes become "> " lines (so the quote stripper can drop them),
 * and head/style/script disappear. Small and dependency-free: mail HTML only needs this much.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  bull: "•",
  euro: "€",
  pound: "£",
  yen: "¥",
  laquo: "«",
  raquo: "»",
  middot: "·",
  deg: "°",
  zwnj: "",
  zwj: "",
  eacute: "é",
  egrave: "è",
  aacute: "á",
  agrave: "à",
  uuml: "ü",
  ouml: "ö",
  auml: "ä",
  szlig: "ß",
  ccedil: "ç",
  ntilde: "ñ",
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
const SKIPPED = new Set(["head", "style", "script", "title", "template"]);
const BLOCK = new Set([
  "p",
  "div",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "tr",
  "table",
  "ul",
  "ol",
  "section",
  "article",
  "header",
  "footer",
  "pre",
]);
/** Mail HTML beyond this is not read: the stored body is capped far below it anyway. */
const MAX_HTML_CHARS = 2_000_000;

/**
 * One linear pass over the tags (a tokenizer, not nested regexes), so hostile HTML such as
 * thousands of unclosed anchors cannot make it quadratic.
 */
export function htmlToText(input: string): string {
  const capped = input.length > MAX_HTML_CHARS ? input.slice(0, MAX_HTML_CHARS) : input;
  // after the last ">" no tag can close: that tail is text, and no tag match ever scans past a ">"
  const lastGt = capped.lastIndexOf(">");
  const html = capped.slice(0, lastGt + 1);
  const tail = capped.slice(lastGt + 1);
  const lower = html.toLowerCase();
  const missingClose = new Set<string>();
  const out: string[] = [];
  const anchors: { href: string; start: number }[] = [];
  const tag = /<!--|<\/?([a-z][a-z0-9]*)\b([^>]*)>|<|[^<]+/gi;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(html))) {
    const token = m[0];
    if (token === "<!--") {
      const end = html.indexOf("-->", tag.lastIndex);
      tag.lastIndex = end < 0 ? html.length : end + 3;
      continue;
    }
    const name = m[1]?.toLowerCase();
    if (!name) {
      out.push(decodeEntities(token));
      continue;
    }
    const closing = token[1] === "/";
    if (!closing && SKIPPED.has(name)) {
      if (missingClose.has(name)) continue;
      const end = lower.indexOf(`</${name}`, tag.lastIndex);
      if (end < 0) {
        missingClose.add(name);
        continue;
      }
      const gt = html.indexOf(">", end);
      tag.lastIndex = gt < 0 ? html.length : gt + 1;
      continue;
    }
    if (name === "br") out.push("\n");
    else if (name === "hr") out.push("\n---\n");
    else if (name === "blockquote") out.push(closing ? `\n${QUOTE_CLOSE}\n` : `\n${QUOTE_OPEN}\n`);
    else if (name === "li" && !closing) out.push("\n- ");
    else if ((name === "td" || name === "th") && closing) out.push(" ");
    else if (BLOCK.has(name)) out.push("\n");
    else if (name === "a" && !closing) {
      const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[2] ?? "");
      anchors.push({ href: decodeEntities((href?.[1] ?? href?.[2] ?? href?.[3] ?? "").trim()), start: out.length });
    } else if (name === "a" && closing) {
      const anchor = anchors.pop();
      if (anchor) {
        const label = out.slice(anchor.start).join("").trim();
        const target = anchor.href;
        if (!label && target) out.push(target);
        else if (/^https?:/i.test(target) && label !== target) out.push(` (${target})`);
      }
    }
  }
  out.push(decodeEntities(tail));
  // whitespace inside a line collapses as in a browser; line breaks come from the block elements above
  const lines: string[] = [];
  let depth = 0;
  for (const raw of out.join("").replace(/\r\n?/g, "\n").split("\n")) {
    if (raw.trim() === QUOTE_OPEN) {
      depth++;
      continue;
    }
    if (raw.trim() === QUOTE_CLOSE) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    const line = raw.replace(/[ \t\f\v\u00a0]+/g, " ").trim();
    lines.push(depth > 0 && line ? `${"> ".repeat(depth)}${line}` : line);
  }
  return lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
