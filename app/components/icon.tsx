import { createContext, useContext, useState } from "react";
import type { IconName } from "./icon-sprite.server";

/**
 * The app's icons: one inline SVG sprite per page (`<IconSprite>`, in the root layout) and an `<Icon>`
 * that draws a symbol of it with `<use>` (ADR 0165). They were CSS data-URI images (ADR 0115), and
 * Chromium builds a whole isolated SVG document for each such image the first time a style uses it:
 * 10-15 ms of the first style recalculation per icon on this machine, ~100 ms per page before the
 * first paint, four times that on Lighthouse's phone. A symbol is plain DOM: its clone costs what
 * any element costs. The icons are decorative (aria-hidden; every link or button names itself).
 */

/**
 * The sprite's markup, given by entry.server.tsx from icon-sprite.server.ts. In the browser there is
 * no provider: the sprite keeps the markup the server rendered (read back from the DOM, so hydration
 * sees the same content), and the page's JS does not carry it a second time.
 */
export const IconSpriteContext = createContext<string | null>(null);

const SPRITE_ID = "icon-sprite";

/** Every symbol, once, at the top of the body; takes no space. */
export function IconSprite() {
  const fromServer = useContext(IconSpriteContext);
  const [markup] = useState(
    () => fromServer ?? (typeof document === "undefined" ? "" : (document.getElementById(SPRITE_ID)?.innerHTML ?? "")),
  );
  return (
    <svg
      id={SPRITE_ID}
      aria-hidden="true"
      focusable="false"
      width="0"
      height="0"
      className="absolute"
      // biome-ignore lint/security/noDangerouslySetInnerHtml: a constant of icon-sprite.server.ts (no data), or the DOM's own copy of it
      dangerouslySetInnerHTML={{ __html: markup }}
    />
  );
}

/**
 * One icon: `nav-icon` sizes it (1.25 rem; `icon-sm` 1 rem, `icon-lg` 1.5 rem), colour from the text.
 * The product mark is `name="mark"` with a `logo-mark` size class.
 */
export function Icon({ name, className = "nav-icon" }: { name: IconName; className?: string }) {
  return (
    <svg className={className} aria-hidden="true" focusable="false">
      <use href={`#icon-${name}`} />
    </svg>
  );
}
