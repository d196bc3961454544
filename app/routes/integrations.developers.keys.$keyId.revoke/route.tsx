import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { Modal } from "~/components/modal";
import { requireAdmin } from "~/sessions.server";
import { loadKeyForModal } from "../integrations.developers/key-modal.server";

export const handle = { access: "admin" };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireAdmin(request, context);
  return json({ key: await loadKeyForModal(context.cloudflare.env, user, params.keyId) });
}

export default function RevokeKeyModal() {
  const { key } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  return (
    <Modal title="Revoke API key?" closeTo="/integrations/developers" size="sm">
      <p className="text-sm text-slate-700">
        <strong>{key.name}</strong> (<code>{key.masked}</code>) stops working immediately. Anything still using it will get
        401 errors. This cannot be undone.
      </p>
      <Form method="post" action="/integrations/developers" className="mt-5 flex flex-wrap justify-end gap-2">
        <CsrfInput />
        <input type="hidden" name="intent" value="revoke-key" />
        <input type="hidden" name="keyId" value={key.id} />
        <Link to="/integrations/developers" preventScrollReset className="btn-secondary">Cancel</Link>
        <button type="submit" className="btn-danger" disabled={busy}>{busy ? "Revoking…" : "Revoke key"}</button>
      </Form>
    </Modal>
  );
}
