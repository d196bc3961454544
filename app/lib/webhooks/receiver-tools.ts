/**
 * What the Verify and Replay screens share with the server code (no storage imports: the browser
 * bundle uses these too). docs/decisions/0085-verify-and-replay-anywhere.md.
 */
export const RECEIVER_CHECK_NAMES = ["signed", "bad_signature", "stale_timestamp"] as const;
export type ReceiverCheckName = (typeof RECEIVER_CHECK_NAMES)[number];
export type ReceiverCheck = { name: ReceiverCheckName; passed: boolean; status: number | null; detail: string };
export type ReceiverVerdict = { passed: boolean; checks: ReceiverCheck[] };

/** Standard Webhooks' tolerance: a receiver refuses a timestamp more than five minutes from its clock. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** How old the stale check's timestamp is: twice the tolerance, so clock skew cannot blur the result. */
export const STALE_AGE_SECONDS = 2 * TIMESTAMP_TOLERANCE_SECONDS;

/** The most deliveries one replay copies to another URL. */
export const MAX_REPLAY_EVENTS = 500;
