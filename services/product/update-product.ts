import type {
  Product,
  UpdateProductRequest,
} from "../gen/shopmesh/product/v1/product_service_pb.js";
import { canonicalId, checkFields, invalidArgument } from "../kit/index.js";
import { blankText } from "../kit/validation/index.js";
import { etagMismatch, type MaskRules, resolveUpdateMask } from "../kit/writes/index.js";
import { productNotFound, productType } from "./product-errors.js";
import { knownCurrencyPrice } from "./product-fields.js";
import type { ProductRow, ProductStore } from "./product-store.js";

// What UpdateProduct may change. The SKU is the catalogue's key; stock moves only through
// AdjustStock (recorded, idempotent) and reservations.
const productMask: MaskRules<"name" | "price"> = {
  resourceType: productType,
  mutable: ["name", "price"],
  refused: {
    id: "is immutable",
    sku: "is immutable",
    stock: "changes only through AdjustStock",
    create_time: "is output only",
    update_time: "is output only",
    etag: "is output only (send it in product.etag to make the update conditional)",
  },
};

/**
 * UpdateProduct's rule: the fields of the mask change, only if the etag sent (if any) is current.
 * The proto's rules checked what is set (the id, a name's length, a price's shape); which fields
 * must be set depends on the mask, so that is checked here.
 */
export async function updateProduct(
  store: ProductStore,
  request: UpdateProductRequest,
): Promise<ProductRow> {
  // Required by the rules: the kit refused a request without it.
  const product = request.product as Product;
  const mask = resolveUpdateMask(request.updateMask, productMask, (path) =>
    path === "name" ? product.name !== "" : product.price !== undefined,
  );
  // Every violation at once.
  const changes = checkFields({
    name: () => {
      if (!mask.has("name")) return undefined;
      if (product.name === "") throw invalidArgument("product.name", blankText);
      return product.name.trim();
    },
    price: () => {
      if (!mask.has("price")) return undefined;
      if (!product.price) throw invalidArgument("product.price", "is required");
      return knownCurrencyPrice(product.price, "product.price");
    },
  });
  const id = canonicalId(product.id);
  const updated = await store.update(id, product.etag || undefined, changes);
  if (updated === "missing") throw productNotFound(id);
  if (updated === "stale") throw etagMismatch(productType, id);
  return updated;
}
