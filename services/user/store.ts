import { type CoherentCache, rowKey } from "../kit/cache/index.js";
import type { PageRequest, Queryable } from "../kit/index.js";

/** A user as stored. */
export interface UserRow {
  readonly id: string;
  readonly seq: bigint;
  readonly email: string;
  readonly displayName: string;
  readonly createTime: Date;
  /** The sign-in subject linked to this profile, null for users made by operators. */
  readonly subject: string | null;
}

const columns = `id, seq, email, display_name AS "displayName", create_time AS "createTime", subject`;

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
   * Inserts a user; undefined when the email (in any case) or the subject is taken. Without a
   * target, ON CONFLICT covers both unique indexes.
   */
  async insert(user: {
    email: string;
    displayName: string;
    subject?: string;
  }): Promise<UserRow | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (email, display_name, subject) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING
       RETURNING ${columns}`,
      [user.email, user.displayName, user.subject ?? null],
    );
    return rows[0];
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
