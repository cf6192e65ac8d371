import type { ServiceName } from "./mesh.js";

/** What `make run` prints once the mesh is up: addresses and commands to copy. */
export function usageBanner(addresses: Readonly<Record<ServiceName, string>>): string {
  const { user, product, order } = addresses;
  return `
shopmesh is running (Ctrl-C stops everything)

  user     ${user}     shopmesh.user.v1.UserService
  product  ${product}     shopmesh.product.v1.ProductService
  order    ${order}     shopmesh.order.v1.OrderService

Try it with grpcurl (reflection is on, no proto files needed):

  grpcurl -plaintext ${order} list
  grpcurl -plaintext -d '{"email":"ada@example.com","display_name":"Ada"}' \\
    ${user} shopmesh.user.v1.UserService/CreateUser
  grpcurl -plaintext -d '{"sku":"MUG-1","name":"Mug","price":{"currency_code":"EUR","minor_units":"1250"},"stock":10}' \\
    ${product} shopmesh.product.v1.ProductService/CreateProduct
  grpcurl -plaintext -d '{"request_id":"order-1","user_id":"USER_ID","items":[{"product_id":"PRODUCT_ID","quantity":2}]}' \\
    ${order} shopmesh.order.v1.OrderService/CreateOrder

Or with the CLI (another terminal):

  npm run cli -- user create --email ada@example.com --name Ada
  npm run cli -- product create --sku MUG-1 --name Mug --price 12.50 --currency EUR --stock 10
  npm run cli -- order create --user USER_ID --item PRODUCT_ID:2
  npm run cli -- order list
`;
}
