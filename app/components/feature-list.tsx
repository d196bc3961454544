/**
 * What an integration does, from its adapter (`ProviderAdapter.features`): the detail, consent and
 * success modals all list exactly these. One that does nothing yet says so; planned features are
 * only ever shown under "Coming soon", never as features.
 */
export function FeatureList({
  name,
  features,
  comingSoon = [],
  heading = "Features:",
}: {
  name: string;
  features: string[];
  comingSoon?: string[];
  heading?: string;
}) {
  return (
    <div>
      <h3 className="text-sm font-semibold text-slate-900">{heading}</h3>
      {features.length ? (
        <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
          {features.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      ) : (
        <p className="mt-1 text-sm text-slate-700">
          Connecting stores your {name} account and shows it here; nothing is sent to {name} or read from it yet.
        </p>
      )}
      {comingSoon.length ? (
        <>
          <h3 className="mt-4 text-sm font-semibold text-slate-900">
            Not built yet <span className="badge bg-slate-100 text-slate-700">Coming soon</span>
          </h3>
          <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-600">
            {comingSoon.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
