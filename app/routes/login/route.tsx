import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import {
  type ActionFunctionArgs,
  type HeadersFunction,
  json,
  type LoaderFunctionArgs,
  type MetaFunction,
  redirect,
} from "@remix-run/cloudflare";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import * as z from "zod";
import { CsrfInput } from "~/components/csrf";
import { VALIDATE_ON } from "~/components/forms";
import { Icon } from "~/components/icon";
import { beginSignIn, ThrottleUnavailableError } from "~/lib/auth/throttle.server";
import { authenticate, normalizeEmail } from "~/lib/auth/users.server";
import { appDeps } from "~/lib/deps.server";
import { clientIp } from "~/lib/http/client-ip";
import { safeRedirect } from "~/lib/security/safe-redirect";
import { getCurrentUser, startSession } from "~/sessions.server";

export const handle = { access: "public" };

/** Keeps the action's Retry-After on the document response when sign-in is throttled. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retry = actionHeaders.get("Retry-After");
  const headers = new Headers();
  if (retry) headers.set("Retry-After", retry);
  return headers;
};

export const meta: MetaFunction = () => [{ title: "Sign in · Integrations Hub" }];

const LoginSchema = z.object({
  email: z
    .string({ error: "Enter your email address" })
    .trim()
    .max(254, "That email address is too long")
    .email("Enter a valid email address"),
  password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(1024, "That password is too long"),
  redirectTo: z.string().max(2048).optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request, context);
  if (user) {
    const to = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
    return redirect(to);
  }
  return json({});
}

export async function action({ request, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: LoginSchema });
  if (submission.status !== "success") {
    return json({ result: submission.reply({ hideFields: ["password"] }) }, { status: 400 });
  }
  const { email, password, redirectTo } = submission.value;
  const account = normalizeEmail(email);
  let slot: Awaited<ReturnType<typeof beginSignIn>>;
  try {
    slot = await beginSignIn({ throttle: env.LOGIN_THROTTLE, now: () => Date.now() }, account, clientIp(request));
  } catch (error) {
    if (!(error instanceof ThrottleUnavailableError)) throw error;
    console.error(error.message);
    return json(
      {
        result: submission.reply({
          formErrors: ["Sign-in is unavailable right now. Try again in a few minutes."],
          hideFields: ["password"],
        }),
      },
      { status: 503, headers: { "Retry-After": "60" } },
    );
  }
  if (!slot.allowed) {
    const minutes = Math.ceil(slot.retryAfterSeconds / 60);
    return json(
      {
        result: submission.reply({
          formErrors: [`Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`],
          hideFields: ["password"],
        }),
      },
      { status: 429, headers: { "Retry-After": String(slot.retryAfterSeconds) } },
    );
  }
  let user: Awaited<ReturnType<typeof authenticate>> = null;
  try {
    user = await authenticate({ db: appDeps(env).db, email: account, password });
  } finally {
    await slot.finish(user ? "success" : "failure");
  }
  if (!user) {
    return json(
      { result: submission.reply({ formErrors: ["The email or password is incorrect."], hideFields: ["password"] }) },
      { status: 400 },
    );
  }
  // A fresh session on every sign-in (no fixation): the old one, if any, is ended.
  const setCookie = await startSession(request, env, { id: user.id, companyId: user.companyId });
  return redirect(safeRedirect(redirectTo), { headers: { "Set-Cookie": setCookie } });
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    ...VALIDATE_ON,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: LoginSchema }),
  });
  const busy = navigation.state === "submitting";
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <Icon name="mark" className="logo-mark size-10" />
          <h1 className="text-2xl font-semibold tracking-tight">Sign in to your workspace</h1>
          <p className="text-sm text-slate-600">Manage integrations, API keys and webhooks.</p>
        </div>
        <Form method="post" className="card space-y-5 p-6" {...getFormProps(form)}>
          <CsrfInput />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
          {form.errors?.length ? (
            <div role="alert" id={form.errorId} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
              {form.errors.join(" ")}
            </div>
          ) : null}
          <div>
            <label htmlFor={fields.email.id} className="label">
              Email
            </label>
            <input {...getInputProps(fields.email, { type: "email" })} autoComplete="email" className="input" required />
            {fields.email.errors ? (
              <p id={fields.email.errorId} className="field-error">
                {fields.email.errors.join(" ")}
              </p>
            ) : null}
          </div>
          <div>
            <label htmlFor={fields.password.id} className="label">
              Password
            </label>
            <input {...getInputProps(fields.password, { type: "password" })} autoComplete="current-password" className="input" required />
            {fields.password.errors ? (
              <p id={fields.password.errorId} className="field-error">
                {fields.password.errors.join(" ")}
              </p>
            ) : null}
          </div>
          <button type="submit" className="btn-primary w-full" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </Form>
      </div>
    </main>
  );
}
