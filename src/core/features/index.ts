/** Feature transforms fitted on the training split: normalisation and quantile bucketisation. */
export { featureStats, normalize, normalizeWith, type FeatureStats, type Normalization } from './normalize';
export { bucketize, quantileBoundaries } from './bucketize';
