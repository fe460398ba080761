/** The booking's previous event has not been settled by this consumer yet: deliver this one again later. */
export class EventOutOfOrder extends Error {
  override readonly name = 'EventOutOfOrder';
  constructor(
    readonly bookingId: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`booking ${bookingId}: event ${got} arrived before event ${expected}`);
  }
}

/** An event older than ones already settled for its booking (they were settled without it): it can never apply. */
export class LateEvent extends Error {
  override readonly name = 'LateEvent';
}
