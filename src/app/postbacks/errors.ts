import { ApplicationError } from '../errors.js';

/** Errors of the postback stage (`ApplicationError`s); the HTTP edge maps them to SPEC §3's error shape. */

/** A destination URL the platform will not call (SSRF defence, https-only in the cloud). */
export class DestinationRefusedError extends ApplicationError {
  override readonly name = 'DestinationRefusedError';
  constructor(
    message: string,
    readonly context: {
      readonly host: string;
      /** Why: an address range (`private`, `loopback`, …), `https_required` or `unresolvable`. */
      readonly reason: string;
      readonly address?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A destination host whose name could not be resolved right now (not known to be wrong). */
export class ResolutionUnavailableError extends ApplicationError {
  override readonly name = 'ResolutionUnavailableError';
  constructor(
    message: string,
    readonly context: { readonly host: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A delivery id that names no delivery of the app. */
export class DeliveryNotFoundError extends ApplicationError {
  override readonly name = 'DeliveryNotFoundError';
  constructor(
    readonly context: { readonly tenantId: string; readonly appId: string; readonly deliveryId: string },
  ) {
    super(`unknown delivery ${JSON.stringify(context.deliveryId)}`);
  }
}

/** Only dead-lettered (or still queued) deliveries can be retried by hand. */
export class DeliveryNotDeadError extends ApplicationError {
  override readonly name = 'DeliveryNotDeadError';
  constructor(readonly context: { readonly deliveryId: string; readonly status: string }) {
    super(
      `delivery ${context.deliveryId} is ${context.status}; only dead or queued deliveries can be retried`,
    );
  }
}

/** Slack (or the address in front of it) did not take an alarm message; the invocation is retried. */
export class AlarmNotificationFailedError extends ApplicationError {
  override readonly name = 'AlarmNotificationFailedError';
  constructor(
    message: string,
    readonly context: { readonly alarmName: string; readonly responseCode?: number },
  ) {
    super(message);
  }
}
