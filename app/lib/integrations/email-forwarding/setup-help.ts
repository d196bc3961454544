/**
 * Forwarding setup help for the configure screen, as data: one guide per mail provider, with the
 * company's address filled in. Plain strings (no HTML): the screen renders them as lists.
 */
export type SetupGuideId = "gmail" | "outlook" | "google-workspace";

export type SetupGuide = {
  id: SetupGuideId;
  name: string;
  /** Who does it: a mailbox user or a domain administrator. */
  audience: string;
  steps: string[];
  notes: string[];
  /** The provider's own help page for the same steps. */
  helpUrl: string;
};

export function forwardingSetupGuides(address: string): SetupGuide[] {
  return [
    {
      id: "gmail",
      name: "Gmail",
      audience: "The person who signs in to the support mailbox",
      steps: [
        "In Gmail, open Settings (the gear) → See all settings → Forwarding and POP/IMAP.",
        `Click “Add a forwarding address”, enter ${address}, then Next → Proceed → OK.`,
        "Gmail sends a confirmation email to that address. It arrives here as a new email conversation from “Gmail Team” (forwarding-noreply@google.com) with a confirmation code.",
        "Back in Gmail, enter the code and click Verify.",
        `Choose “Forward a copy of incoming mail to ${address}”, keep Gmail's copy in the Inbox, and click Save Changes.`,
        "Use “Send test email” here, or send an email to the support mailbox from another account, and check that it appears as a conversation.",
      ],
      notes: [
        "If you restrict allowed sender domains, add google.com until the confirmation email has arrived, then remove it.",
        "To forward only some mail, create a Gmail filter and choose “Forward it to” this address instead.",
        "Auto-acknowledge replies only to people who write to this address directly: mail forwarded by Gmail keeps your mailbox as the envelope sender, and an acknowledgement would land in your own inbox.",
      ],
      helpUrl: "https://support.google.com/mail/answer/10957",
    },
    {
      id: "outlook",
      name: "Outlook and Microsoft 365",
      audience: "The person who signs in to the support mailbox (and a Microsoft 365 admin, see the notes)",
      steps: [
        "In Outlook on the web, open Settings (the gear) → Mail → Forwarding.",
        "Turn on “Enable forwarding”.",
        `Enter ${address} and tick “Keep a copy of forwarded messages”.`,
        "Click Save.",
        "Send an email to the support mailbox from another account and check that it appears here as a conversation.",
      ],
      notes: [
        "Microsoft 365 blocks automatic forwarding to outside addresses by default. An admin allows it in Microsoft Defender → Policies & rules → Threat policies → Anti-spam → Anti-spam outbound policy → Automatic forwarding rules: On (for the support mailbox or everyone).",
        "An inbox rule with “Redirect to” (instead of “Forward to”) keeps the customer as the sender, like the Forwarding setting does.",
      ],
      helpUrl: "https://support.microsoft.com/office/turn-on-automatic-forwarding-in-outlook-7f2670a1-7fff-4475-8a3c-5822d63b0c8e",
    },
    {
      id: "google-workspace",
      name: "Google Workspace (admin routing)",
      audience: "A Google Workspace administrator, for a whole mailbox without signing in to it",
      steps: [
        "In the Google Admin console, open Apps → Google Workspace → Gmail → Routing.",
        "Under “Routing”, click Configure (or Add another rule) and give the rule a name such as “Support to Integrations Hub”.",
        "Messages to affect: Inbound. Add a condition so it applies only to the support mailbox's envelope recipient.",
        `Under “Also deliver to”, add ${address} as an additional recipient.`,
        "Save. Changes can take up to an hour; then send a test email to the support mailbox.",
      ],
      notes: [
        "Admin routing needs no confirmation email and keeps the customer as the envelope sender, so auto-acknowledge can reply to them.",
        "Adding the address as a member of a Google Group is not recommended: group mail is marked as list mail, which loop protection refuses.",
        "Individual Workspace users can also use the Gmail steps, if the admin allows automatic forwarding (Apps → Gmail → End user access → Automatic forwarding).",
      ],
      helpUrl: "https://support.google.com/a/answer/6297084",
    },
  ];
}
