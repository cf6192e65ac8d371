import { type CoherentCache, rowKey } from "../kit/cache/index.js";
import type { PageRequest, Queryable } from "../kit/index.js";
import {
  type ConditionalUpdate,
  type CreateKey,
  etagSql,
  rowByCreateKey,
  updateIfCurrent,
} from "../kit/writes/index.js";

/** A user as stored. */
export interface UserRow {
  readonly id: string;
  readonly seq: bigint;
  readonly email: string;
  readonly displayName: string;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** Opaque; new whenever the row changes (kit/writes). */
  readonly etag: string;
  /** The sign-in subject linked to this profile, null for users made by operators. */
  readonly subject: string | null;
  /** The digest of the CreateUser request that made it, when it came with a request_id. */
  readonly requestFingerprint: string | null;
}

const columns = `id, seq, email, display_name AS "displayName", create_time AS "createTime",
  update_time AS "updateTime", ${etagSql()} AS etag, subject,
  request_fingerprint AS "requestFingerprint"`;

/**
 * The users table. `get` goes through `cache` when given: every write to the table notifies it
 * on commit (the trigger of migration 3), whichever code makes the write.
 */
export class UserStore {
  constructor(
    private readonly db: Queryable,
    private readonly cache?: CoherentCache,
  ) {}

  /**
   * Inserts a user; undefined when the email (in any case), the subject or the request key is
   * taken. Without a target, ON CONFLICT covers every unique index.
   */
  async insert(user: {
    email: string;
    displayName: string;
    subject?: string;
    key?: CreateKey | undefined;
  }): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (email, display_name, subject, request_scope, request_id,
         request_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING
       RETURNING ${columns}`,
      [
        user.email,
        user.displayName,
        user.subject ?? null,
        user.key?.scope ?? null,
        user.key?.requestId ?? null,
        user.key?.fingerprint ?? null,
      ],
    );
    return rows[0];
  }

  /** The user created with this request key, if any. */
  getByRequest(key: CreateKey): Promise<UserRow | undefined> {
    return rowByCreateKey<UserRow>(this.db, "users", columns, key);
  }

  /**
   * Sets the given fields of user `id` if `etag` is current (or not given); see
   * {@link updateIfCurrent}. The version and update time move on in the trigger.
   */
  async update(
    id: string,
    etag: string | undefined,
    fields: { readonly displayName?: string | undefined },
  ): Promise<ConditionalUpdate<UserRow>> {
    const updated = await updateIfCurrent<UserRow>(this.db, {
      table: "users",
      id,
      etag,
      // A field not given (null) keeps its value.
      set: "display_name = COALESCE($3, display_name)",
      values: [fields.displayName ?? null],
      returning: columns,
    });
    // Read-your-writes on this replica; the others hear the trigger's notification.
    this.cache?.invalidate(rowKey("users", id));
    return updated;
  }

  /** The profile linked to this sign-in subject, if any. */
  async getBySubject(subject: string): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${columns} FROM users WHERE subject = $1`,
      [subject],
    );
    return rows[0];
  }

  /** The user with this id, if any. */
  async get(id: string): Promise<UserRow | undefined> {
    const load = async () => {
      const { rows } = await this.db.query<UserRow>({
        name: "user by id",
        text: `SELECT ${columns} FROM users WHERE id = $1`,
        values: [id],
      });
      return rows[0];
    };
    if (!this.cache) return load();
    return this.cache.get(rowKey("users", id), async () => {
      const row = await load();
      return row && { value: row };
    });
  }

  /** Up to `page.size + 1` users after `page.after`, in insertion order. */
  async list(page: PageRequest): Promise<UserRow[]> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT ${columns} FROM users WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [page.after, page.size + 1],
    );
    return rows;
  }
}
