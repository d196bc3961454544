export const handle = { access: "admin" };

/**
 * The Connected tab itself: its list lives in the integrations._connected layout (modals render
 * over it), whose loader checks the admin. No loader here, so this route adds no server stub to
 * the page's JS.
 */
export default function ConnectedIndex() {
  return null;
}
