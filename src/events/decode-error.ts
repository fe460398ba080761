/**
 * Why a consumer refused an event. Each is final for that message: retrying cannot fix it, so it goes to the
 * dead-letter path with this reason, and can be replayed once the consumer (or the producer) is fixed.
 */
export type EventRejectionReason =
  /** Not JSON, or JSON that is not an object. */
  | 'unparseable'
  /** Not a CloudEvents 1.0 structured event as tripsaga writes them (attribute missing or malformed, no data). */
  | 'invalid-envelope'
  /** A type this consumer has no schema for. */
  | 'unknown-type'
  /** A version newer than any this consumer knows, whose data the newest known version cannot read. */
  | 'unknown-version'
  /** The data does not match the schema of the version it declares (or could not be upcast). */
  | 'invalid-data';

export interface RejectedEventFacts {
  id?: string;
  type?: string;
  subject?: string;
  version?: number;
}

export class EventDecodeError extends Error {
  override readonly name = 'EventDecodeError';

  constructor(
    readonly reason: EventRejectionReason,
    message: string,
    readonly event: RejectedEventFacts = {},
    /** Each problem as `path: message`, for the dead-letter record and the log line. */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }

  /** A plain object for a dead-letter record or a structured log line. */
  toJSON() {
    return { reason: this.reason, message: this.message, ...this.event, issues: [...this.issues] };
  }
}
