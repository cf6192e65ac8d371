export { isCurrency, minorDigits, requireCurrency } from "./currencies.js";
