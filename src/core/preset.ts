import type { AuthScheme } from './auth';
import type { DeliveryWarning } from './options';
import type { GeneratedValidator } from './validate';

/** The same few facts about any platform's reply, so forwarding code can serve several platforms. */
export interface Reply {
  platform: 'maiagent' | 'gptbots';
  /** The platform's message id: a retry of the same reply carries the same id. */
  id: string;
  conversationId: string;
  /** The reply's text (for GPTBots V2, the text of every output joined by a blank line). */
  text: string;
  createdAt: Date;
}

/**
 * What makes one platform different from another (the core's port; `presets/` implement it): the pipeline itself is
 * shared.
 */
export interface Preset<Message> {
  platform: Reply['platform'];
  /** Named in start-up errors, so the message points at the call the user wrote. */
  factoryName: string;
  /** The environment variable the README tells users to keep the token in. */
  tokenEnv: string;
  authSchemes: readonly AuthScheme[];
  validator: GeneratedValidator;
  /** An availability check the platform sends: answered 200 and never handed to the callback. */
  isProbe(body: unknown): boolean;
  /**
   * Folds documented alternatives, nulls and absences into one shape; only ever given a payload the validator
   * accepted. `receivedAt` (epoch ms, default now) stands in for a timestamp the payload lacks or that cannot be read.
   */
  toMessage(payload: unknown, receivedAt?: number): Message;
  toReply(message: Message): Reply;
  /** What a valid payload says that does not stop it but someone should hear of; undefined for most. */
  warningsFor(payload: unknown): readonly DeliveryWarning[] | undefined;
  /** The 200 body the platform's documents ask for, as JSON text. */
  ackBody: string;
}
