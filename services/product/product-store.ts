import { type CoherentCache, insertKey, type Loaded, rowKey } from "../kit/cache/index.js";
import type { PageRequest, Queryable } from "../kit/index.js";

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
}

/** What CreateProduct stores. */
export interface NewProduct {
  readonly sku: string;
  readonly name: string;
  readonly priceCurrency: string;
  readonly priceMinorUnits: bigint;
  readonly stock: number;
}

const columns = `id, seq, sku, name, price_currency AS "priceCurrency",
  price_minor_units AS "priceMinorUnits", stock, create_time AS "createTime"`;

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

  /** Inserts a product; undefined when the SKU is taken. */
  async insert(product: NewProduct): Promise<ProductRow | undefined> {
    const { rows } = await this.db.query<ProductRow>(
      `INSERT INTO products (sku, name, price_currency, price_minor_units, stock)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (sku) DO NOTHING
       RETURNING ${columns}`,
      [product.sku, product.name, product.priceCurrency, product.priceMinorUnits, product.stock],
    );
    return rows[0];
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
