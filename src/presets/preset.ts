import type { AuthScheme } from '../core/auth';
import type { GeneratedValidator } from '../core/validate';

/** What makes one platform different from another; the pipeline itself is shared. */
export interface Preset<Message> {
  platform: string;
  /** Named in start-up errors, so the message points at the call the user wrote. */
  factoryName: string;
  /** The environment variable the README tells users to keep the token in. */
  tokenEnv: string;
  authSchemes: readonly AuthScheme[];
  validator: GeneratedValidator;
  /** Folds documented alternatives into one shape; only ever given a payload the validator accepted. */
  toMessage(payload: unknown): Message;
  /** The 200 body the platform's documents ask for, as JSON text. */
  ackBody: string;
}
