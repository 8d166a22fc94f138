/** The transform room's public API: compile a source's transform, and the shared PII name list. */
export {
  compileTransform,
  requiresPseudonymKey,
  DEFAULT_TIME_ZONE,
  type CompileTransformOptions,
  type CompiledTransform,
} from './compile.js';
export { PseudonymKeyError, TransformConfigError, type TransformSite } from './errors.js';
export {
  DEFAULT_PII_PATTERNS,
  nameWords,
  piiCategory,
  piiColumns,
  type PiiCategory,
  type PiiNamePattern,
} from './pii-names.js';
export {
  PseudonymKey,
  pseudonymKey,
  tokenCache,
  type Environment,
  type Pseudonymiser,
} from './pseudonym-key.js';
export { availableSteps } from './registry.js';
