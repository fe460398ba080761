// The barrel the worker bundles: every workflow type the task queue serves.
export { bookTrip } from './book-trip.ts';
