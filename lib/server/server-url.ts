// serverUrl: the check of a server address option (--web-url, --push), in a module of its own so
// that parsing the command line loads no node:http (see port.ts).
import { VmprofError } from "../errors.ts";

/** The server's base URL, checked: http or https only. */
export function serverUrl(url: string, option = "--web-url"): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VmprofError("BAD_OPTION", `${option} must be an http:// or https:// URL, got "${url}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new VmprofError("BAD_OPTION", `${option} must be an http:// or https:// URL, got "${url}"`);
  }
  return u;
}
