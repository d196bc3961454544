import { json, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { SubmitButton } from "~/components/forms";
import { Modal } from "~/components/modal";
import { findUsableKey, maskKey } from "~/lib/api-keys/keys.server";
import { notFound } from "~/lib/http/responses";
import { requireAdminWith } from "~/sessions.server";

export const handle = { access: "admin" };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const now = new Date();
  const {
    results: [key],
  } = await requireAdminWith(request, context, (db, companyId) => [findUsableKey({ db, companyId, keyId: params.keyId!, now })] as const);
  if (!key) throw notFound("That API key does not exist.");
  return json({ key: { id: key.id, name: key.name, masked: maskKey(key.last4) } });
}

export default function RevokeKeyModal() {
  const { key } = useLoaderData<typeof loader>();
  return (
    <Modal title="Revoke API key?" closeTo="/integrations/developers" size="sm">
      <p className="text-sm text-slate-700">
        <strong className="break-all">{key.name}</strong> (<code>{key.masked}</code>) stops working immediately. Anything still using it
        will get 401 errors. This cannot be undone.
      </p>
      <Form method="post" action="/integrations/developers" className="mt-5 flex flex-wrap justify-end gap-2">
        <CsrfInput />
        <input type="hidden" name="intent" value="revoke-key" />
        <input type="hidden" name="keyId" value={key.id} />
        <Link to="/integrations/developers" preventScrollReset className="btn-secondary">
          Cancel
        </Link>
        <SubmitButton className="btn-danger" intent="revoke-key" busyText="Revoking…">
          Revoke key
        </SubmitButton>
      </Form>
    </Modal>
  );
}
