import type { Money } from "../../services/gen/shopmesh/common/v1/money_pb.js";

/** An amount for people: `€12.50`, in the currency's own minor units. */
export function formatMoney(money: Money | undefined): string {
  if (!money) return "–";
  const format = new Intl.NumberFormat(undefined, {
    style: "currency",
    currency: money.currencyCode,
  });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(Number(money.minorUnits) / 10 ** digits);
}
