import { Form, Link } from "@remix-run/react";
import { AppShell, type ShellUser } from "./app-shell";
import { CsrfInput } from "./csrf";

const COPY: Record<number, { title: string; message: string }> = {
  403: {
    title: "You don't have access to this page",
    message: "Only company admins can manage integrations. Ask an admin of your company if you need something connected.",
  },
  404: { title: "Page not found", message: "The page you were looking for doesn't exist or was moved." },
  500: { title: "Something went wrong", message: "An unexpected error occurred on our side. Please try again in a moment." },
};

export function ErrorScreen({ status, message, detail }: { status: number; message?: string; detail?: string }) {
  const copy = COPY[status] ?? { title: "Something went wrong", message: "The request could not be completed." };
  return (
    <main className="mx-auto flex min-h-full max-w-xl flex-col justify-center px-6 py-16">
      <p className="text-sm font-semibold text-brand-700">Error {status}</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">{copy.title}</h1>
      <p className="mt-3 text-slate-700">{message ?? copy.message}</p>
      {detail ? <pre className="mt-6 overflow-auto rounded-md bg-slate-900 p-4 text-xs text-slate-100">{detail}</pre> : null}
      <div className="mt-8 flex gap-3">
        <Link to="/integrations" className="btn-primary">
          Go to Integrations
        </Link>
      </div>
    </main>
  );
}

/**
 * The 403 a signed-in user without access sees (an agent): inside the app shell, with a way back
 * to the main app and a Sign out, never a link back to the page that refused them.
 */
export function ForbiddenScreen({ user, appBaseUrl, message }: { user: ShellUser; appBaseUrl: string; message?: string }) {
  return (
    <AppShell user={user} appBaseUrl={appBaseUrl} title="Integrations">
      <div className="mx-auto max-w-xl py-10">
        <p className="text-sm font-semibold text-brand-700">Error 403</p>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">{COPY[403]!.title}</h1>
        <p className="mt-3 text-slate-700">{message ?? COPY[403]!.message}</p>
        <p className="mt-2 text-sm text-slate-600">You are signed in as {user.email}.</p>
        <div className="mt-8 flex flex-wrap gap-3">
          <a href={`${appBaseUrl}/dashboard`} className="btn-primary">
            Go to the dashboard
          </a>
          <Form method="post" action="/logout">
            <CsrfInput />
            <button type="submit" className="btn-secondary">
              Sign out
            </button>
          </Form>
        </div>
      </div>
    </AppShell>
  );
}
