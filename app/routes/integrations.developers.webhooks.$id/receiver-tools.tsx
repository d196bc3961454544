import { Form, Link } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { SubmitButton } from "~/components/forms";

/**
 * The endpoint page's "Verify my receiver" and "Replay to another URL" (issue 18). Plain HTML:
 * the form posts to the Verify screen's action, which runs the checks and shows the verdict.
 */
export function ReceiverTools({ base }: { base: string }) {
  const verify = `${base}/verify`;
  return (
    <section aria-labelledby="receiver-tools" className="space-y-3 rounded-md border border-slate-200 p-3">
      <h3 id="receiver-tools" className="text-base font-semibold">
        Check your receiver
      </h3>
      <p className="text-slate-600">
        Verify sends three test deliveries: one correctly signed, one with a wrong signature and one with a timestamp ten minutes old. A
        receiver that checks signatures accepts only the first. They are not added to the delivery log.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <Form method="post" action={verify}>
          <CsrfInput />
          <input type="hidden" name="intent" value="verify" />
          <SubmitButton action={verify} busyText="Verifying…" className="btn-secondary">
            Verify my receiver
          </SubmitButton>
        </Form>
        <Link to={verify} className="underline">
          Last verification
        </Link>
        <Link to={`${base}/replay`} className="btn-secondary">
          Replay to another URL
        </Link>
      </div>
    </section>
  );
}
