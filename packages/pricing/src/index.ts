export { decimalToPico, picoToDecimal } from './decimal';
export {
  loadPriceTable,
  type ModelPrices,
  mergePriceTables,
  type PricedProvider,
  type PriceOverrides,
  type PriceTable,
  PriceTableError,
  type ProviderPrices,
  parsePriceTable,
  priceOverridesSchema,
  priceTableSchema,
} from './price-table';
export { type BilledTokens, type Cost, type ModelPrice, Pricer } from './pricer';
