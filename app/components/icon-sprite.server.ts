/**
 * The sprite of the app's icons (components/icon.tsx, ADR 0165): server-only, so the markup is sent
 * once, in the page, and not again in the page's JS.
 */

const STROKE = `fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"`;

/** name → the symbol's attributes and children (24 px stroke icons in currentColor, the product mark in its colours). */
const SYMBOLS = {
  dashboard: [
    STROKE,
    `<rect x="3" y="3" width="7" height="9" rx="1.5"/><rect x="14" y="3" width="7" height="5" rx="1.5"/><rect x="14" y="12" width="7" height="9" rx="1.5"/><rect x="3" y="16" width="7" height="5" rx="1.5"/>`,
  ],
  agents: [STROKE, `<rect x="5" y="7" width="14" height="11" rx="3"/><path d="M12 3v4M9 12h.01M15 12h.01M2 12v2M22 12v2"/>`],
  knowledge: [
    STROKE,
    `<path d="M4 5.5A2.5 2.5 0 0 1 6.5 3H20v15H6.5A2.5 2.5 0 0 0 4 20.5z"/><path d="M4 20.5A2.5 2.5 0 0 0 6.5 23H20v-5"/>`,
  ],
  conversations: [STROKE, `<path d="M4 5h16v11H9l-5 4z"/>`],
  widget: [STROKE, `<rect x="3" y="4" width="18" height="14" rx="2"/><circle cx="17" cy="14" r="2"/>`],
  integrations: [STROKE, `<path d="M9 3v4M15 3v4M7 7h10v4a5 5 0 0 1-10 0zM12 16v5"/>`],
  settings: [
    STROKE,
    `<circle cx="12" cy="12" r="3"/><path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 0 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 0 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 0 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 0 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"/>`,
  ],
  billing: [STROKE, `<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M2 10h20M6 15h4"/>`],
  search: [STROKE, `<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>`],
  help: [STROKE, `<circle cx="12" cy="12" r="9"/><path d="M9.5 9a2.5 2.5 0 0 1 4.9.7c0 1.8-2.4 2.1-2.4 3.8"/><path d="M12 17h.01"/>`],
  bell: [STROKE, `<path d="M6 16V11a6 6 0 1 1 12 0v5l1.5 2h-15z"/><path d="M10 20a2 2 0 0 0 4 0"/>`],
  menu: [STROKE, `<path d="M4 6h16M4 12h16M4 18h16"/>`],
  warning: [
    STROKE,
    `<path d="M10.3 4.2 2.2 18a2 2 0 0 0 1.7 3h16.2a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z"/><path d="M12 9.5v4M12 17h.01"/>`,
  ],
  chevron: [STROKE, `<path d="m6 9 6 6 6-6"/>`],
  dots: [`fill="currentColor"`, `<circle cx="12" cy="5" r="1.8"/><circle cx="12" cy="12" r="1.8"/><circle cx="12" cy="19" r="1.8"/>`],
  mark: [
    `viewBox="0 0 32 32"`,
    `<rect width="32" height="32" rx="8" fill="#4f46e5"/><path d="M9 11.5a3.5 3.5 0 0 1 3.5-3.5h7a3.5 3.5 0 0 1 3.5 3.5v5a3.5 3.5 0 0 1-3.5 3.5H15l-4 3.5V20A3.5 3.5 0 0 1 9 16.5z" fill="#fff"/><circle cx="13" cy="14" r="1.3" fill="#4f46e5"/><circle cx="19" cy="14" r="1.3" fill="#4f46e5"/>`,
  ],
} as const;

export type IconName = keyof typeof SYMBOLS;

/** The sprite's markup: built once per isolate, rendered as one string (no React element per path). */
export const SPRITE_MARKUP = Object.entries(SYMBOLS)
  .map(
    ([name, [attrs, body]]) =>
      `<symbol id="icon-${name}" ${attrs.includes("viewBox") ? attrs : `viewBox="0 0 24 24" ${attrs}`}>${body}</symbol>`,
  )
  .join("");
