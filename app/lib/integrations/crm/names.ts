/** "Jane van Dyke" → first "Jane", last "van Dyke"; no name → nulls (CRMs that need a last name fall back). */
export function splitName(name: string | null | undefined): { first: string | null; last: string | null } {
  const parts = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { first: null, last: null };
  if (parts.length === 1) return { first: parts[0]!, last: null };
  return { first: parts[0]!, last: parts.slice(1).join(" ") };
}

/** A last name for CRMs that require one: the name's last part, else the email's local part. */
export function lastNameOrEmail(name: string | null | undefined, email: string): string {
  const { first, last } = splitName(name);
  return last ?? first ?? (email.split("@")[0] || email);
}
