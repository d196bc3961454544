import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { requireAdmin } from "~/sessions.server";

export const handle = { access: "admin" };

/** The Connected tab itself: its list lives in the integrations._connected layout (modals render over it). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export default function ConnectedIndex() {
  return null;
}
