export const CONNECT_ONLY = ["connect", "show_account", "disconnect"] as const;
export const CONNECT_CONFIGURE = ["connect", "show_account", "configure", "disconnect"] as const;

export const STANDARD_DISCONNECT = [
  "Revoke our access at the provider where it allows that",
  "Delete the stored credentials and the settings of this connection",
];

export const WORKS_TODAY_OAUTH = "Connects your account and shows which account is connected. No data is synced yet.";
export const WORKS_TODAY_KEY = "Stores your credentials encrypted and shows which account is connected. No data is synced yet.";
