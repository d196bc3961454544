import type { ReactNode } from "react";

/**
 * The small Markdown our own API descriptions use, rendered as React nodes (never as HTML):
 * `code`, **bold** and [links](https://…). Anything else stays as typed.
 */
const TOKEN = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(((?:https?:\/\/|\/|#)[^)\s]+)\)/g;

export function InlineMarkdown({ text }: { text: string }) {
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    const key = m.index!;
    if (m[1] !== undefined) out.push(<code key={key}>{m[1]}</code>);
    else if (m[2] !== undefined) out.push(<strong key={key}>{m[2]}</strong>);
    else
      out.push(
        <a key={key} href={m[4]} className="text-brand-700 underline">
          {m[3]}
        </a>,
      );
    last = key + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return <>{out}</>;
}
