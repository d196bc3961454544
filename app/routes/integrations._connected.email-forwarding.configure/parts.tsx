import { useEffect, useState } from "react";
import { LocalTime } from "~/components/local-time";

type Guide = { id: string; name: string; audience: string; steps: string[]; notes: string[]; helpUrl: string };

/** The address as a selectable read-only field (works without JS) plus Copy once JS runs. */
export function AddressField({ address }: { address: string }) {
  const [canCopy, setCanCopy] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => setCanCopy(Boolean(navigator.clipboard)), []);
  return (
    <div>
      <label htmlFor="forwarding-address" className="label">
        Forwarding address
      </label>
      <div className="flex gap-2">
        <input
          id="forwarding-address"
          readOnly
          value={address}
          onFocus={(e) => e.currentTarget.select()}
          className="input min-w-0 flex-1 font-mono"
          spellCheck={false}
        />
        {canCopy ? (
          <button
            type="button"
            className="btn-secondary shrink-0"
            onClick={() =>
              navigator.clipboard.writeText(address).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>
        ) : null}
      </div>
      <p className="mt-1 text-xs text-slate-600">Forward your support mailbox to this address: each new email becomes a conversation.</p>
    </div>
  );
}

export type TestResult =
  | { status: "created" | "appended" | "duplicate"; conversationId: string | null }
  | { status: "rejected"; reason: string | null };

const OUTCOME_TEXT = {
  created: "conversation created",
  appended: "added to an existing conversation",
  duplicate: "already received (duplicate)",
} as const;

export function TestResultNotice({ result }: { result: TestResult }) {
  if (result.status === "rejected") {
    return (
      <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
        {result.reason ? `Test email refused: ${result.reason}` : "Test email refused."}
      </p>
    );
  }
  return (
    <p role="status" className="rounded-md border border-green-300 bg-green-50 p-3 text-sm text-green-900">
      {`Test email received: ${OUTCOME_TEXT[result.status]}`}
      {result.conversationId ? (
        <>
          {" "}
          (<span className="font-mono">{result.conversationId}</span>)
        </>
      ) : null}
    </p>
  );
}

export function Activity({
  lastReceived,
  lastRefusal,
}: {
  lastReceived: { at: string; from: string | null; subject: string | null } | null;
  lastRefusal: { reason: string; at: string | null } | null;
}) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      <dt className="text-slate-600">Last email received:</dt>
      <dd className="text-slate-900">
        {lastReceived ? (
          <>
            <LocalTime value={lastReceived.at} style="relative" />
            {lastReceived.from ? <span className="break-all"> · from {lastReceived.from}</span> : null}
            {lastReceived.subject ? <span className="break-all"> · “{lastReceived.subject}”</span> : null}
          </>
        ) : (
          "No email received yet"
        )}
      </dd>
      {lastRefusal ? (
        <>
          <dt className="text-slate-600">Last refused:</dt>
          <dd className="text-amber-900">
            {lastRefusal.reason}
            {lastRefusal.at ? (
              <>
                {" "}
                (<LocalTime value={lastRefusal.at} style="relative" />)
              </>
            ) : null}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

export function SetupGuides({ guides }: { guides: Guide[] }) {
  return (
    <section aria-labelledby="setup-help-heading" className="space-y-2">
      <h3 id="setup-help-heading" className="text-sm font-semibold text-slate-900">
        Set up forwarding
      </h3>
      {guides.map((g) => (
        <details key={g.id} className="rounded-md border border-slate-200 p-3">
          <summary className="cursor-pointer text-sm font-medium text-slate-900">{g.name}</summary>
          <p className="mt-2 text-xs text-slate-600">{g.audience}</p>
          <ol className="mt-2 list-decimal space-y-1 pl-5 text-sm text-slate-800">
            {g.steps.map((s) => (
              <li key={s} className="break-words">
                {s}
              </li>
            ))}
          </ol>
          {g.notes.length ? (
            <ul className="mt-2 list-disc space-y-1 pl-5 text-xs text-slate-700">
              {g.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
          <p className="mt-2 text-xs">
            <a href={g.helpUrl} target="_blank" rel="noopener noreferrer" className="text-blue-700 underline">{`${g.name} help`}</a>
          </p>
        </details>
      ))}
    </section>
  );
}
