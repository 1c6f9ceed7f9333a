// Secrets (API keys, webhook tokens) never reach a message: refused at construction when they hold a character no
// header can carry (undici's error for one quotes the whole header), and cut out of any error kept as a cause.

// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Throws a TypeError that names the option, never the value, when the value holds a control character. */
export function refuseControlCharacters(value: string, name: string): void {
  if (CONTROL_CHARACTER.test(value)) throw new TypeError(`${name} holds a control character (newline, carriage return, NUL...): no header can carry it`);
}

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/**
 * The error as it is when it holds none of the secrets; otherwise a copy (same name and code, its own cause
 * redacted too) whose message and stack say `[redacted]` where a secret was.
 */
export function redacted(error: unknown, secrets: readonly string[]): unknown {
  const present = secrets.filter((secret) => secret !== '');
  if (typeof error !== 'object' || error === null || present.length === 0) return error;
  const { name, message, stack, code, cause } = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; cause?: unknown };
  const clean = (text: unknown) => (typeof text === 'string' ? withoutSecrets(text, present) : text);
  const inner = cause === undefined ? undefined : redacted(cause, present);
  if (clean(message) === message && clean(stack) === stack && inner === cause) return error;
  const copy = new Error(String(clean(message) ?? ''), inner === undefined ? undefined : { cause: inner });
  copy.name = typeof name === 'string' ? name : 'Error';
  copy.stack = typeof stack === 'string' ? String(clean(stack)) : copy.stack;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

/** The text with every copy of each (non-empty) secret replaced by `[redacted]`. */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  return secrets.filter((secret) => secret !== '').reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
