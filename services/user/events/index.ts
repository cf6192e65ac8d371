// The user service's side of the order events: the purchase summaries they keep.
export { orderEventHandler, toChange, UnusableEvent } from "./order-event-handler.js";
export { purchaseMigration } from "./purchase-migration.js";
export { type PurchaseChange, PurchaseStore, type PurchaseSummaryRow } from "./purchase-store.js";
export {
  type PurchaseConsumerConfig,
  purchaseConsumerName,
  purchaseConsumerSettings,
  purchaseDeadLetterSubject,
  startPurchaseConsumer,
} from "./start-purchase-consumer.js";
