import { redirect } from "@remix-run/cloudflare";

export const handle = { access: "public" };

export async function loader() {
  return redirect("/integrations");
}
