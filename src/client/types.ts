// What MaiAgent's REST API returns, as far as its documents agree: the fields a client reads, typed; any other key
// passes through untouched (the schema gained and renamed fields within days; see shared research).

/** 13-digit epoch milliseconds as a string, as every MaiAgent timestamp is. */
export type Timestamp = string;

export interface Attachment {
  id: string;
  type: 'image' | 'video' | 'audio' | 'sticker' | 'other';
  filename: string;
  file: string;
  [key: string]: unknown;
}

export interface Conversation {
  id: string;
  createdAt?: Timestamp;
  [key: string]: unknown;
}

/** The stored user message `messages.create` answers with: a receipt, not the reply (that comes by webhook). */
export interface SentMessage {
  id: string;
  conversation: string;
  content?: string;
  type?: string;
  createdAt?: Timestamp;
  attachments?: Attachment[];
  [key: string]: unknown;
}

/** @deprecated The 0.x name of `SentMessage` (the receipt of `messages.create`); use `SentMessage`. */
export type Message = SentMessage;

export interface WebhookRecord {
  id: string;
  /** Where the delivery was POSTed. */
  url: string;
  /** The body MaiAgent sent. */
  requestBody?: unknown;
  /** What the receiver answered, as text. */
  response?: string;
  /** The receiver's status; null when no answer came. */
  statusCode?: number | null;
  createdAt: Timestamp;
  [key: string]: unknown;
}

export interface Chatbot {
  id: string;
  webhookUrl?: string | null;
  [key: string]: unknown;
}

export interface Completion {
  conversationId: string;
  content: string;
  done?: boolean;
  [key: string]: unknown;
}

/** One server-sent event of a streamed completion: a piece of the answer (`done: true` closes it). */
export interface CompletionChunk {
  conversationId: string;
  content: string;
  done: boolean;
  [key: string]: unknown;
}

export interface CompletionInput {
  /** Continue this conversation; omitted, MaiAgent starts a new one (its id comes back in the answer). */
  conversation?: string | null | undefined;
  content: string;
  attachments?: Attachment[] | undefined;
}
