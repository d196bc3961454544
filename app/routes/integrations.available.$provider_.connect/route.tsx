/**
 * The consent modal opened from the Available tab's detail modal: the same screen and action as
 * /integrations/:provider/connect, nested under the Available tab so the page behind the modal
 * stays on Available while connecting (issue 20, item 9). After the provider, the success modal
 * opens over the Connected tab, where the new connection now is.
 */
export { action, default, handle, loader, meta } from "../integrations._connected.$provider.connect/route";
