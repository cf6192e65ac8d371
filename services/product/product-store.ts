import { type CoherentCache, insertKey, type Loaded, rowKey } from "../kit/cache/index.js";
import type { PageRequest, Queryable } from "../kit/index.js";
import {
  type ConditionalUpdate,
  type CreateKey,
  etagSql,
  rowByCreateKey,
  updateIfCurrent,
} from "../kit/writes/index.js";

/** A product as stored. */
export interface ProductRow {
  readonly id: string;
  readonly seq: bigint;
  readonly sku: string;
  readonly name: string;
  readonly priceCurrency: string;
  readonly priceMinorUnits: bigint;
  readonly stock: number;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** Opaque; new whenever the row changes, stock included (kit/writes). */
  readonly etag: string;
  /** The digest of the CreateProduct request that made it, when it came with a request_id. */
  readonly requestFingerprint: string | null;
}

/** What CreateProduct stores. */
export interface NewProduct {
  readonly sku: string;
  readonly name: string;
  readonly priceCurrency: string;
  readonly priceMinorUnits: bigint;
  readonly stock: number;
  readonly key?: CreateKey | undefined;
}

/** What UpdateProduct may change; undefined fields stay as they are. */
export interface ProductChanges {
  readonly name?: string | undefined;
  readonly price?: { readonly currencyCode: string; readonly minorUnits: bigint } | undefined;
}

const columns = `id, seq, sku, name, price_currency AS "priceCurrency",
  price_minor_units AS "priceMinorUnits", stock, create_time AS "createTime",
  update_time AS "updateTime", ${etagSql()} AS etag, request_fingerprint AS "requestFingerprint"`;

const table = "products";

/**
 * The products table. Reads go through `cache` when given: every write to the table notifies
 * it on commit (the trigger of migration 4), whichever code makes the write.
 */
export class ProductStore {
  constructor(
    private readonly db: Queryable,
    private readonly cache?: CoherentCache,
  ) {}

  /** Inserts a product; undefined when the SKU or the request key is taken. */
  async insert(product: NewProduct): Promise<ProductRow | undefined> {
    const { rows } = await this.db.query<ProductRow>(
      `INSERT INTO products (sku, name, price_currency, price_minor_units, stock, request_scope,
         request_id, request_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING
       RETURNING ${columns}`,
      [
        product.sku,
        product.name,
        product.priceCurrency,
        product.priceMinorUnits,
        product.stock,
        product.key?.scope ?? null,
        product.key?.requestId ?? null,
        product.key?.fingerprint ?? null,
      ],
    );
    return rows[0];
  }

  /** The product created with this request key, if any. */
  getByRequest(key: CreateKey): Promise<ProductRow | undefined> {
    return rowByCreateKey<ProductRow>(this.db, table, columns, key);
  }

  /**
   * Applies `changes` to product `id` if `etag` is current (or not given); see
   * {@link updateIfCurrent}. The version and update time move on in the trigger.
   */
  async update(
    id: string,
    etag: string | undefined,
    changes: ProductChanges,
  ): Promise<ConditionalUpdate<ProductRow>> {
    const updated = await updateIfCurrent<ProductRow>(this.db, {
      table,
      id,
      etag,
      // A field not given (null) keeps its value.
      set: `name = COALESCE($3, name), price_currency = COALESCE($4, price_currency),
        price_minor_units = COALESCE($5, price_minor_units)`,
      values: [
        changes.name ?? null,
        changes.price?.currencyCode ?? null,
        changes.price?.minorUnits ?? null,
      ],
      returning: columns,
    });
    // Read-your-writes on this replica; the others hear the trigger's notification.
    this.cache?.invalidate(rowKey(table, id));
    return updated;
  }

  /** The products with these ids that exist, in no particular order. */
  async getMany(ids: readonly string[]): Promise<ProductRow[]> {
    if (!this.cache) return this.select(ids);
    const found = await this.cache.getMany<ProductRow>(
      ids.map((id) => rowKey(table, id)),
      async (missing) => {
        const rows = await this.select(missing.map((key) => key.slice(table.length + 1)));
        return new Map(rows.map((row) => [rowKey(table, row.id), { value: row }]));
      },
    );
    return [...found.values()];
  }

  /** Up to `page.size + 1` products after `page.after`, in insertion order. */
  async list(page: PageRequest): Promise<ProductRow[]> {
    const load = async (): Promise<Loaded<ProductRow[]>> => {
      const { rows } = await this.db.query<ProductRow>(
        `SELECT ${columns} FROM products WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [page.after, page.size + 1],
      );
      // Any insert may land inside this page: seq is taken at insert, visible at commit.
      return { value: rows, tags: [...rows.map((row) => rowKey(table, row.id)), insertKey(table)] };
    };
    if (!this.cache) return (await load()).value;
    const key = `${table} page ${page.after} ${page.size}`;
    return (await this.cache.get(key, load)) ?? [];
  }

  private async select(ids: readonly string[]): Promise<ProductRow[]> {
    const { rows } = await this.db.query<ProductRow>({
      name: "products by ids",
      text: `SELECT ${columns} FROM products WHERE id = ANY($1::uuid[])`,
      values: [ids],
    });
    return rows;
  }
}
