import type { UpdateProductRequest } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { checkFields, invalidArgument, requireText, requireUuid } from "../kit/index.js";
import { etagMismatch, type MaskRules, resolveUpdateMask } from "../kit/writes/index.js";
import { productNotFound, productType } from "./product-errors.js";
import { maxNameLength, requirePrice } from "./product-fields.js";
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

/** UpdateProduct's rule: the fields of the mask change, only if the etag sent (if any) is current. */
export async function updateProduct(
  store: ProductStore,
  request: UpdateProductRequest,
): Promise<ProductRow> {
  const product = request.product;
  if (!product) throw invalidArgument("product", "is required");
  // Every violation at once: the mask's, and the masked fields' rules.
  const { id, changes } = checkFields({
    id: () => requireUuid("product.id", product.id),
    changes: () => {
      const mask = resolveUpdateMask(request.updateMask, productMask, (path) =>
        path === "name" ? product.name !== "" : product.price !== undefined,
      );
      return checkFields({
        name: () =>
          mask.has("name") ? requireText("product.name", product.name, maxNameLength) : undefined,
        price: () => (mask.has("price") ? requirePrice(product.price, "product.price") : undefined),
      });
    },
  });
  const updated = await store.update(id, product.etag || undefined, changes);
  if (updated === "missing") throw productNotFound(id);
  if (updated === "stale") throw etagMismatch(productType, id);
  return updated;
}
