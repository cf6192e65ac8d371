export { requireCurrency } from "./currencies.js";
export { isCurrency, minorDigits } from "./iso-4217.js";
