import { LocalTime } from "./local-time";

/** The "who connected it, and when" block at the top of every configure modal. */
export function ConnectionFacts({
  account,
  connectedByEmail,
  connectedAt,
}: {
  account?: { label: string; value: string } | null;
  connectedByEmail: string;
  connectedAt: string | Date;
}) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      {account ? (
        <>
          <dt className="text-slate-600">{account.label}:</dt>
          <dd className="break-all text-slate-900">{account.value}</dd>
        </>
      ) : null}
      <dt className="text-slate-600">Connected by:</dt>
      <dd className="break-all text-slate-900">{connectedByEmail}</dd>
      <dt className="text-slate-600">Connected:</dt>
      <dd className="text-slate-900">
        <LocalTime value={connectedAt} style="date" />
      </dd>
    </dl>
  );
}
