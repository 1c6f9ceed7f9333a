export declare const API_KEY: string;

export interface FakeMaiAgent {
  /** The API's base URL (`…/api/v1/`). */
  url: string;
  /** Every request received: method, path with query, the Authorization header, the JSON body. */
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  /** Status codes to answer the next requests to a path with, before answering normally. */
  failNext: Map<string, number[]>;
  /** Paths that never answer. */
  hang: Set<string>;
  webhookRecords: Record<string, unknown>[];
  /** Records paginated by cursor (no `count`) instead of page number. */
  cursorPages: boolean;
  /** Where replies are POSTed after `messages.create` (set by `chatbots.setWebhookUrl`). */
  webhookUrl: string | undefined;
  replyDelayMs: number;
  /** The assistant: the reply's text for a message's. */
  answer: (content: string) => string;
  /** Runs before POST /messages/ answers, instead of the later reply (to make the reply beat the receipt). */
  beforeMessageAnswer: ((body: { conversation: string; content: string }) => Promise<void>) | undefined;
  /** Rewrites each list page's `next` link (to test where the client follows it). */
  rewriteNext: ((next: string | null) => string | null) | undefined;
  /** A long streamed completion instead of the short one: this many events. */
  streamEvents: number | undefined;
  /** The time between two events of the long stream. Default 5. */
  streamGapMs: number;
  /** After the long stream's first event: keep the connection open and send nothing ('stall'), or drop it ('reset'). */
  streamBreak: 'stall' | 'reset' | undefined;
  /** Resolves once every reply on its way has been POSTed and recorded. */
  settled(): Promise<unknown>;
  close(): Promise<void>;
}

export declare function startFakeMaiAgent(options?: { replyDelayMs?: number; answer?: (content: string) => string }): Promise<FakeMaiAgent>;
