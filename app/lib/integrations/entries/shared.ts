export const CONNECT_ONLY = ["connect", "show_account", "disconnect"] as const;
export const CONNECT_CONFIGURE = ["connect", "show_account", "configure", "disconnect"] as const;

export const STANDARD_DISCONNECT = [
  "Revoke our access at the provider where it allows that",
  "Delete the stored credentials and the settings of this connection",
];
