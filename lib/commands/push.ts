// `cli.ts push LOG --url URL [--label k=v]...`: sends a saved profile to a Grafana Pyroscope
// server (its ingest API, in pprof form) with the service, runtime, host and user labels.

import { statSync } from "node:fs";
import { VmprofError } from "../errors.ts";
import { readAnyProfile } from "../import/any.ts";
import { Stats } from "../profile/stats.ts";
import { defaultLabels, parseLabel, pushToPyroscope, serviceName } from "../server/pyroscope.ts";
import { type Command, parseOptions, say } from "./command.ts";

const OPTIONS = {
  url: { type: "string" },
  label: { type: "string", multiple: true },
  service: { type: "string" },
} as const;

export const push: Command = {
  name: "push",
  usage:
    `usage: cli.ts push LOG --url URL [--label k=v]...   send a saved profile to Grafana Pyroscope (pprof, ingest API)
      --url URL            the Pyroscope server, e.g. http://pyroscope:4040 (user:password@ for Basic auth)
      --service NAME       the application name (default: the profiled program's file name)
      --label k=v          a label for the profile (repeatable); runtime and host are always sent`,
  async run(argv) {
    const parsed = parseOptions(argv, OPTIONS, true);
    const { positionals } = parsed;
    const values = parsed.values as { url?: string; service?: string; label?: string[] };
    if (positionals.length !== 1) {
      throw new VmprofError("BAD_OPTION", "push: which log? usage: cli.ts push LOG --url URL");
    }
    if (!values.url) throw new VmprofError("BAD_OPTION", "push: --url URL is needed (the Pyroscope server)");
    const labels = (values.label ?? []).flatMap((l) => l.split(",")).filter((l) => l.trim()).map(parseLabel);
    if (values.service !== undefined && !/^[A-Za-z0-9_.-]{1,100}$/.test(values.service)) {
      throw new VmprofError(
        "BAD_OPTION",
        `--service is 1 to 100 letters, digits, ".", "_" or "-", got "${values.service}"`,
      );
    }
    const log = positionals[0];
    const profile = readAnyProfile(log);
    const stats = new Stats(profile);
    const program = [...profile.symbols.values()].map((n) => /^js:<module>:\d+:(.+)$/.exec(n)?.[1]).find((f) =>
      f && f !== "-"
    );
    const endSec = (profile.endMicros ?? statSync(log).mtimeMs * 1000) / 1e6;
    const startSec = profile.startMicros !== undefined ? profile.startMicros / 1e6 : endSec;
    const runtime = profile.meta.get("runtime") || profile.interpName || "unknown";
    const target = {
      url: values.url,
      service: values.service ?? serviceName(program ?? log),
      labels: defaultLabels(runtime, labels),
    };
    await pushToPyroscope(stats, target, startSec, endSec);
    say(`pushed ${profile.samples.length} samples of ${log} to ${new URL(values.url).origin} as ${target.service}`);
    return 0;
  },
};
