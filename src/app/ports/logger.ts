/**
 * The one logger port of the routes, the consumer and the limits: structured messages with extra
 * attributes. The composition root adapts the Powertools logger to it; tests pass a fake or nothing.
 */
export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  /** Keys added to every later message of the request (tenant and app ids). @default not kept */
  appendKeys?(keys: Record<string, unknown>): void;
}
