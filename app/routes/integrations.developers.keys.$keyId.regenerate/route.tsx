import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { SubmitButton } from "~/components/forms";
import { Modal } from "~/components/modal";
import { findUsableKey, maskKey } from "~/lib/api-keys/keys.server";
import { overlapLabels } from "~/lib/api-keys/labels";
import { notFound } from "~/lib/http/responses";
import { requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const now = new Date();
  const {
    results: [key],
  } = await requireAdminWith(request, context, (db, companyId) => [findUsableKey({ db, companyId, keyId: params.keyId!, now })] as const);
  if (!key || key.replacedBy) throw notFound("That API key does not exist, or it has already been replaced by a new one.");
  return json({ key: { id: key.id, name: key.name, masked: maskKey(key.last4) } });
}

export default function RegenerateKeyModal() {
  const { key } = useLoaderData<typeof loader>();
  return (
    <Modal title="Regenerate API key" closeTo="/integrations/developers" size="sm">
      <p className="text-sm text-slate-700">
        A new key replaces <strong className="break-all">{key.name}</strong> (<code>{key.masked}</code>) with the same scopes. It is shown
        once. Give your systems time to switch: the old key keeps working until the time you choose.
      </p>
      <Form method="post" action="/integrations/developers" className="mt-4">
        <CsrfInput />
        <input type="hidden" name="intent" value="regenerate-key" />
        <input type="hidden" name="keyId" value={key.id} />
        <label htmlFor="overlap" className="label">
          The old key stops working
        </label>
        <select id="overlap" name="overlap" defaultValue="24h" className="input">
          {Object.entries(overlapLabels).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <div className="mt-5 flex flex-wrap justify-end gap-2">
          <Link to="/integrations/developers" preventScrollReset className="btn-secondary">
            Cancel
          </Link>
          <SubmitButton intent="regenerate-key" busyText="Regenerating…">
            Regenerate key
          </SubmitButton>
        </div>
      </Form>
    </Modal>
  );
}
