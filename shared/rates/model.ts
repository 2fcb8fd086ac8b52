/** The price of one unit of `base` in `quote`, as an operator set it: a decimal string, never a float. */
export interface ExchangeRate {
  base: string;
  quote: string;
  rate: string;
  updatedAt: string;
}
