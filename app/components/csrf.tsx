import { useRouteLoaderData } from "@remix-run/react";
import type { loader as rootLoader } from "~/root";

/** The hidden CSRF field every POST form carries (checked once in the Worker). */
export function CsrfInput() {
  const data = useRouteLoaderData<typeof rootLoader>("root");
  return <input type="hidden" name="csrf" value={data?.csrfToken ?? ""} />;
}

export function useRootData() {
  return useRouteLoaderData<typeof rootLoader>("root");
}
