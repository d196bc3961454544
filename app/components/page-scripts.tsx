import { Scripts } from "@remix-run/react";
import { Children, cloneElement, Fragment, isValidElement, type ReactElement, type ReactNode } from "react";

// React 18 passes unknown lowercase attributes through to the DOM (the camelCase `fetchPriority` is React 19's).
const LOW = { fetchpriority: "low" } as Record<string, string>;

/**
 * Remix's <Scripts>, with its `<link rel="modulepreload">` tags and its module script fetched at low priority.
 * Every page is complete without JavaScript (server-rendered, every action a plain form): the JS only enhances it,
 * so it should not compete with the document and the stylesheet for the first paint. Chromium otherwise fetches
 * module scripts at High priority, and Lighthouse's simulation counts every High-priority script that loaded
 * before the first paint as render-blocking, however late it ran (ADR 0150).
 *
 * <Scripts> is called as a function (its hooks become this component's, in the same order every render) so its
 * output can be marked: it renders the links itself and passes props only to its <script> tags.
 */
export function PageScripts({ nonce }: { nonce?: string }) {
  return markLowPriority(Scripts({ nonce, ...LOW }));
}

function markLowPriority(node: ReactNode): ReactNode {
  if (Array.isArray(node)) return Children.map(node, markLowPriority);
  if (!isValidElement(node)) return node;
  const el = node as ReactElement<{ rel?: string; children?: ReactNode }>;
  if (el.type === "link" && el.props.rel === "modulepreload") return cloneElement(el, LOW);
  if (el.type === Fragment) return cloneElement(el, undefined, Children.map(el.props.children, markLowPriority));
  return el;
}
