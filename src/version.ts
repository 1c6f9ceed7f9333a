/** This package's version, as package.json says (a test holds them equal): OpenTelemetry's instrumentation scope carries it. */
export const VERSION = '0.1.0';
