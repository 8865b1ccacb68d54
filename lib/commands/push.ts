import type { Command } from "./command.ts"; export const push: Command = { name: "push", usage: "", run: () => 0 };
