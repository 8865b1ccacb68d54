// Where this platform package's prebuilt libvmprof.so is (vmprof-js's locator imports this from JSR).
import { fileURLToPath } from "node:url";

export const libraryPath = fileURLToPath(new URL("./libvmprof.so", import.meta.url));
