import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make sagas findable in the Temporal Web UI, e.g. `BookingStatus = "COMPENSATED"`.
 * The server must know them first: `npm start` and the tests register them on the dev server; on a real cluster the
 * worker adds missing ones at start (src/temporal/search-attributes.ts) or an operator creates them (docs/temporal-ui.md).
 */
export const BookingStatus = defineSearchAttributeKey('BookingStatus', SearchAttributeType.KEYWORD);
export const TravelerEmail = defineSearchAttributeKey('TravelerEmail', SearchAttributeType.KEYWORD);
export const FailedStep = defineSearchAttributeKey('FailedStep', SearchAttributeType.KEYWORD);

export const bookingSearchAttributes = [BookingStatus, TravelerEmail, FailedStep] as const;
