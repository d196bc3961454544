import { redirect, type ActionFunctionArgs } from "@remix-run/cloudflare";
import { getSession, sessionStorage } from "~/sessions.server";

export const handle = { access: "public" };

export async function loader() {
  return redirect("/integrations");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const session = await getSession(request, env);
  return redirect("/login", { headers: { "Set-Cookie": await sessionStorage(env).destroySession(session) } });
}
