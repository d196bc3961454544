import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { requireAdmin } from "~/sessions.server";
import { overlapLabels } from "../integrations.developers/api-keys.schema";
import { loadKeyForModal } from "../integrations.developers/key-modal.server";

export const handle = { access: "admin" };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  return json({ key: await loadKeyForModal(context.cloudflare.env, user, params.keyId) });
}

export default function RegenerateKeyModal() {
  const { key } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  return (
    <Modal title="Regenerate API key" closeTo="/integrations/developers" size="sm">
      <p className="text-sm text-slate-700">
        A new key replaces <strong>{key.name}</strong> (<code>{key.masked}</code>) with the same scopes. It is shown once. Give
        your systems time to switch: the old key keeps working until the time you choose.
      </p>
      <Form method="post" action="/integrations/developers" className="mt-4">
        <CsrfInput />
        <input type="hidden" name="intent" value="regenerate-key" />
        <input type="hidden" name="keyId" value={key.id} />
        <label htmlFor="overlap" className="label">The old key stops working</label>
        <select id="overlap" name="overlap" defaultValue="24h" className="input">
          {Object.entries(overlapLabels).map(([value, label]) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
        <div className="mt-5 flex flex-wrap justify-end gap-2">
          <Link to="/integrations/developers" preventScrollReset className="btn-secondary">Cancel</Link>
          <button type="submit" className="btn-primary" disabled={busy}>{busy ? "Regenerating…" : "Regenerate key"}</button>
        </div>
      </Form>
    </Modal>
  );
}
