import { notFound, type RpcError } from "../kit/index.js";

/** The resource type in the ResourceInfo of a missing product. */
export const productType = "shopmesh.product.v1.Product";

/** NOT_FOUND `product <id> not found`, reason PRODUCT_NOT_FOUND, with its ResourceInfo. */
export function productNotFound(id: string): RpcError {
  return notFound(`product ${id}`, "PRODUCT_NOT_FOUND", {
    resourceType: productType,
    resourceName: id,
  });
}
