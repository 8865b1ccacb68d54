// Upload tokens for the profile server: made from 32 random bytes, shown once, stored only as their SHA-256.

import { createHash, randomBytes } from "node:crypto";
import { VmprofError } from "../errors.ts";

/** Every token starts with this, so one found in a log or a shell history says what it is. */
export const TOKEN_PREFIX = "vmpjs_";

/** A new token: the prefix and 32 random bytes in base64url (43 characters). */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** What the store keeps of a token: its SHA-256 in hex (a token is random, so no salt or slow hash is needed). */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A token's name: 1..64 letters, digits, `.`, `_`, `-`, `@` (it is shown as the uploader). */
export function checkTokenName(name: string): string {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new VmprofError("BAD_OPTION", `a token name is 1 to 64 letters, digits, ".", "_", "-" or "@", got "${name}"`);
  }
  return name;
}

/** The token in an `Authorization: Bearer TOKEN` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : undefined;
}
