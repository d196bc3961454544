import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction, redirect } from "@remix-run/cloudflare";
import { Form, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { endSession, getCurrentUser } from "~/sessions.server";

export const handle = { access: "public" };
export const meta: MetaFunction = () => [{ title: "Sign out · Integrations" }];

/**
 * Signing out is a POST (a link must not end a session); GET /logout is the page that asks, so
 * a typed or bookmarked /logout still leads out, whatever the user's role.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request, context);
  if (!user) return redirect("/login");
  return json({ email: user.email });
}

export async function action({ request, context }: ActionFunctionArgs) {
  // The session row is deleted: the cookie stops working everywhere at once, not just in this browser.
  return redirect("/login", { headers: { "Set-Cookie": await endSession(request, context.cloudflare.env) } });
}

export default function Logout() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto flex min-h-full max-w-md flex-col justify-center px-6 py-16">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign out?</h1>
      <p className="mt-3 text-slate-700">You are signed in as {email}.</p>
      <Form method="post" className="mt-6">
        <CsrfInput />
        <button type="submit" className="btn-primary">
          Sign out
        </button>
      </Form>
    </main>
  );
}
