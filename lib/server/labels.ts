// Labels for Pyroscope pushes (`--label k=v`): the names and values its ingest API can carry.

import { VmprofError } from "../errors.ts";

/** Pyroscope's label names: a letter or `_`, then letters, digits, `_` (no dots: Prometheus rules). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters a label value cannot hold in the ingest name `app{k=v,...}`. */
const BAD_VALUE = /[{},=\s"]/;

/** `k=v` from --label, checked: a VmprofError("BAD_OPTION") saying what is wrong. */
export function parseLabel(text: string): [string, string] {
  const eq = text.indexOf("=");
  const k = eq < 0 ? "" : text.slice(0, eq).trim();
  const v = eq < 0 ? "" : text.slice(eq + 1).trim();
  if (!LABEL_NAME.test(k) || v === "" || BAD_VALUE.test(v)) {
    throw new VmprofError(
      "BAD_OPTION",
      `--label expects NAME=VALUE (NAME: letters, digits, _; VALUE without spaces, quotes or {},=), got "${text}"`,
    );
  }
  return [k, v];
}
