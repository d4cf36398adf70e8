export { decimalToPico, formatUsd, picoToDecimal } from './decimal';
export {
  APPROX_BYTES_PER_TOKEN,
  APPROX_TOKENS_PER_MESSAGE,
  approximateTokens,
  CHAT_TOKENS_PER_MESSAGE,
  CHAT_TOKENS_PER_REPLY,
  defaultOutputLimit,
  loadTokenEstimator,
  type OutputLimit,
  type TokenEstimatePolicy,
  type TokenEstimator,
  type TokenizableRequest,
  type TokenizerName,
  tokenizerFor,
} from './estimate-tokens';
export { loadPricer, pricingOf } from './load-pricer';
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
export { type BilledTokens, batchDiscountOf, type Cost, type ModelPrice, Pricer } from './pricer';
