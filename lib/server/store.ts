// The profile server's store: one SQLite file (node:sqlite, on Deno and Bun alike) holding each
// profile once (its log gzipped, its metadata in columns) and the upload tokens' hashes; the
// schema's version is SQLite's user_version, and opening a file migrates it forward.

import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { homedir } from "node:os";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { checkTokenName, hashToken, newToken } from "./tokens.ts";

/** One step per schema version: MIGRATIONS[i] takes a database from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  // 1: tokens and profiles.
  `CREATE TABLE tokens (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE profiles (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     program TEXT NOT NULL,
     runtime TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     duration_s REAL,
     samples INTEGER NOT NULL,
     token_id INTEGER REFERENCES tokens(id),
     uploader TEXT,
     log_bytes INTEGER NOT NULL,
     log_gz BLOB NOT NULL
   );
   CREATE INDEX profiles_created ON profiles(created_at);`,
  // 2: the runtime's version and the start of the profile as columns; deletes look up by owner.
  `ALTER TABLE profiles ADD COLUMN runtime_version TEXT NOT NULL DEFAULT '';
   ALTER TABLE profiles ADD COLUMN started_at INTEGER;
   CREATE INDEX profiles_token ON profiles(token_id);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** What the list shows of a profile (everything but its log). */
export interface ProfileRow {
  id: string;
  name: string;
  program: string;
  runtime: string;
  runtime_version: string;
  /** Upload time, ms since the epoch. */
  created_at: number;
  /** Start of profiling, ms since the epoch, when the log says. */
  started_at: number | null;
  duration_s: number | null;
  samples: number;
  /** The uploading token's name; null for an anonymous upload. */
  uploader: string | null;
  /** Size of the log unpacked. */
  log_bytes: number;
  /** The uploading token's id (null: anonymous); it alone may delete the profile. */
  token_id: number | null;
}

export type NewProfile = Omit<ProfileRow, "id" | "created_at" | "uploader" | "token_id"> & { log_gz: Uint8Array };

export interface TokenRow {
  id: number;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

/** The list's sortable columns, by the names the page and the API use. */
export const SORT_COLUMNS = [
  "created_at",
  "name",
  "program",
  "runtime",
  "duration_s",
  "samples",
  "uploader",
  "started_at",
] as const;
export type SortColumn = typeof SORT_COLUMNS[number];

export interface ListQuery {
  /** Words that must all appear in the name, program, runtime or uploader (case-insensitive). */
  q?: string;
  sort?: SortColumn;
  desc?: boolean;
  limit?: number;
  offset?: number;
}

const LIST_COLUMNS =
  "id, name, program, runtime, runtime_version, created_at, started_at, duration_s, samples, uploader, log_bytes, token_id";

/** The store's file when `serve` is given no --db: under $XDG_DATA_HOME (or ~/.local/share)/vmprof-js/. */
export function defaultDbPath(env: Record<string, string | undefined> = process.env): string {
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(data, "vmprof-js", "profiles.db");
}

export class ProfileStore {
  readonly db: DatabaseSync;
  readonly path: string;

  /** Opens (creating it and its folder if need be) and migrates the store at `path` (":memory:" for none). */
  constructor(path: string) {
    this.path = path;
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.db = new DatabaseSync(path);
    } catch (e) {
      throw new VmprofError("IO", `cannot open the profile store ${path}: ${(e as Error).message}`);
    }
    try {
      // WAL: readers never wait for the writer; a commit is one append, so a process killed
      // mid-upload leaves the last committed state. busy_timeout: `serve token` may run beside a server.
      this.db.exec(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
      );
      this.migrate();
    } catch (e) {
      this.db.close();
      if (e instanceof VmprofError) throw e;
      throw new VmprofError("IO", `${path}: not a usable profile store (${(e as Error).message})`);
    }
  }

  /** The schema version of the open file. */
  version(): number {
    return Number((this.db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
  }

  private migrate(): void {
    const from = this.version();
    if (from > SCHEMA_VERSION) {
      throw new VmprofError(
        "IO",
        `${this.path} has schema version ${from}, newer than this vmprof-js knows (${SCHEMA_VERSION}): upgrade vmprof-js`,
      );
    }
    for (let v = from; v < SCHEMA_VERSION; v++) {
      this.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  /** Runs `fn` in one transaction: all of it is stored, or none. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  // ------------------------------------------------------------------ tokens

  /** Makes a token named `name`; returns the token itself, which is never stored (only its hash). */
  createToken(name: string, now = Date.now()): string {
    checkTokenName(name);
    if (this.db.prepare("SELECT 1 FROM tokens WHERE name = ?").get(name)) {
      throw new VmprofError(
        "BAD_OPTION",
        `a token named "${name}" exists already (revoked ones keep their name: they own their uploads)`,
      );
    }
    const token = newToken();
    this.db.prepare("INSERT INTO tokens (name, hash, created_at) VALUES (?, ?, ?)").run(name, hashToken(token), now);
    return token;
  }

  listTokens(): TokenRow[] {
    return this.db.prepare("SELECT id, name, created_at, revoked_at FROM tokens ORDER BY name")
      .all() as unknown as TokenRow[];
  }

  /** Revokes the token named `name`; a BAD_OPTION error if there is none or it is revoked already. */
  revokeToken(name: string, now = Date.now()): void {
    const row = this.db.prepare("SELECT revoked_at FROM tokens WHERE name = ?").get(name) as {
      revoked_at: number | null;
    } | undefined;
    if (!row) throw new VmprofError("BAD_OPTION", `no token named "${name}" (see serve token list)`);
    if (row.revoked_at !== null) throw new VmprofError("BAD_OPTION", `the token "${name}" is revoked already`);
    this.db.prepare("UPDATE tokens SET revoked_at = ? WHERE name = ?").run(now, name);
  }

  /** The live token whose value is `token`, or undefined (unknown or revoked). */
  checkToken(token: string): { id: number; name: string } | undefined {
    const row = this.db.prepare("SELECT id, name FROM tokens WHERE hash = ? AND revoked_at IS NULL").get(
      hashToken(token),
    ) as
      | { id: number; name: string }
      | undefined;
    return row && { id: Number(row.id), name: String(row.name) };
  }

  // ---------------------------------------------------------------- profiles

  /** Stores a profile (one transaction); returns its new id. */
  addProfile(p: NewProfile, owner: { id: number; name: string } | undefined, now = Date.now()): string {
    const id = randomBytes(8).toString("hex");
    this.db.prepare(
      `INSERT INTO profiles (id, name, program, runtime, runtime_version, created_at, started_at, duration_s, samples, token_id, uploader, log_bytes, log_gz)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      p.name,
      p.program,
      p.runtime,
      p.runtime_version,
      now,
      p.started_at,
      p.duration_s,
      p.samples,
      owner?.id ?? null,
      owner?.name ?? null,
      p.log_bytes,
      p.log_gz,
    );
    return id;
  }

  /** Profiles matching `q`, sorted; and how many match in all. */
  listProfiles(q: ListQuery = {}): { total: number; profiles: ProfileRow[] } {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    for (const word of (q.q ?? "").split(/\s+/).filter(Boolean).slice(0, 8)) {
      const like = `%${word.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
      where.push(
        "(name LIKE ? ESCAPE '\\' OR program LIKE ? ESCAPE '\\' OR runtime LIKE ? ESCAPE '\\' OR uploader LIKE ? ESCAPE '\\')",
      );
      args.push(like, like, like, like);
    }
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sort: SortColumn = q.sort && SORT_COLUMNS.includes(q.sort) ? q.sort : "created_at";
    const dir = (q.desc ?? sort === "created_at") ? "DESC" : "ASC";
    const limit = Math.max(1, Math.min(q.limit ?? 500, 5000));
    const offset = Math.max(0, q.offset ?? 0);
    const total = (this.db.prepare(`SELECT count(*) AS n FROM profiles ${filter}`).get(...args) as { n: number }).n;
    // The column is whitelisted above; only values are bound.
    const profiles = this.db.prepare(
      `SELECT ${LIST_COLUMNS} FROM profiles ${filter} ORDER BY ${sort} ${dir}, id LIMIT ? OFFSET ?`,
    ).all(...args, limit, offset) as unknown as ProfileRow[];
    return { total: Number(total), profiles };
  }

  getProfile(id: string): ProfileRow | undefined {
    return this.db.prepare(`SELECT ${LIST_COLUMNS} FROM profiles WHERE id = ?`).get(id) as ProfileRow | undefined;
  }

  /** The stored (gzipped) log of profile `id`. */
  profileLog(id: string): Uint8Array | undefined {
    const row = this.db.prepare("SELECT log_gz FROM profiles WHERE id = ?").get(id) as
      | { log_gz: Uint8Array }
      | undefined;
    return row?.log_gz;
  }

  /** Deletes profile `id` if token `ownerId` uploaded it: "deleted", "missing" or "not-owner". */
  deleteProfile(id: string, ownerId: number): "deleted" | "missing" | "not-owner" {
    return this.transaction(() => {
      const row = this.db.prepare("SELECT token_id FROM profiles WHERE id = ?").get(id) as
        | { token_id: number | null }
        | undefined;
      if (!row) return "missing";
      if (row.token_id !== ownerId) return "not-owner";
      this.db.prepare("DELETE FROM profiles WHERE id = ?").run(id);
      return "deleted";
    });
  }

  countProfiles(): number {
    return Number((this.db.prepare("SELECT count(*) AS n FROM profiles").get() as { n: number }).n);
  }
}
