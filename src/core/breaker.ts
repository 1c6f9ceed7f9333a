/** How long a dependency known to be down is left alone before one delivery is let through to probe it. */
export const PROBE_INTERVAL_MS = 1000;

/**
 * Whether a dependency (the sink, the store) is known to be down. A failure or a call outliving its deadline opens
 * it; any answer closes it (a late one too: a call that waited for Redis and came back means Redis is back). While
 * open, deliveries are refused without calling it, so nothing waits for it and nothing is handed to a client that
 * holds what it is given until it reconnects; one delivery probes it every PROBE_INTERVAL_MS, and never two at once,
 * so a silent dependency holds one call, not one per delivery.
 */
export class Breaker {
  #down = false;
  #probeAt = 0;
  #probing = false;

  /** Whether this delivery may call the dependency, and whether it does so as the probe. */
  admit(): 'call' | 'probe' | 'refuse' {
    if (!this.#down) return 'call';
    if (this.#probing || Date.now() < this.#probeAt) return 'refuse';
    this.#probing = true;
    return 'probe';
  }

  up(): void {
    this.#down = false;
  }

  down(wasProbe: boolean): void {
    if (this.#down && !wasProbe) return;
    this.#down = true;
    this.#probeAt = Date.now() + PROBE_INTERVAL_MS;
  }

  /** The probe's call settled (or was given up on): the next one may go once PROBE_INTERVAL_MS has passed. */
  probeOver(): void {
    this.#probing = false;
  }
}
