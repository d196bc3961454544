import { useLocation, useRouteLoaderData } from "@remix-run/react";
import { useRef } from "react";

type RootData = { flash: { id: string; message: string } | null };

/**
 * The confirmation after a redirecting action ("API key revoked."). The live region is always in
 * the page, so screen readers announce the message when it appears after a client-side
 * navigation; without JavaScript it is part of the next page's HTML. It shows on the page the
 * action landed on and goes away on the next navigation.
 */
export function FlashRegion() {
  const flash = useRouteLoaderData<RootData>("root")?.flash ?? null;
  const location = useLocation();
  const shown = useRef<{ id: string; at: string } | null>(null);
  if (flash && shown.current?.id !== flash.id) shown.current = { id: flash.id, at: location.key };
  const visible = flash && shown.current?.at === location.key ? flash.message : null;
  return (
    <div role="status" aria-live="polite" aria-atomic="true" className="[&:not(:empty)]:mb-4">
      {visible ? (
        <p className="flex items-start gap-2 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          <span aria-hidden="true">✓</span>
          <span className="min-w-0 break-words">{visible}</span>
        </p>
      ) : null}
    </div>
  );
}
