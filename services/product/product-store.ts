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

/** The products table. */
export class ProductStore {
  constructor(private readonly db: Queryable) {}

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
    const { rows } = await this.db.query<ProductRow>(
      `SELECT ${columns} FROM products WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows;
  }

  /** Up to `page.size + 1` products after `page.after`, in insertion order. */
  async list(page: PageRequest): Promise<ProductRow[]> {
    const { rows } = await this.db.query<ProductRow>(
      `SELECT ${columns} FROM products WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [page.after, page.size + 1],
    );
    return rows;
  }
}
