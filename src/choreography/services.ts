import type { PaymentMethod } from '../../activities/payment-method.ts';
import type { EventConsumer } from '../consumers/event-consumer.ts';
import type { Clock } from '../lib/clock.ts';
import { bookingService } from './booking.ts';
import { carService } from './car.ts';
import { flightService } from './flight.ts';
import { hotelService } from './hotel.ts';
import { paymentService } from './payment.ts';
import { stepConsumer, type StepService } from './step-service.ts';

export interface ChoreographyDependencies {
  clock: Clock;
  /** The payment step's method: the traveler's wallet, as for the orchestration, or a provider. */
  payments: PaymentMethod;
}

/** Every choreographed service, as the overseer reads them to say who should act next. Order means nothing here. */
export function choreographySteps({ clock, payments }: ChoreographyDependencies): StepService[] {
  return [flightService(clock), hotelService(clock), carService(clock), paymentService(clock, payments), bookingService(clock)];
}

/** The services as consumers, one inbox each: run them in any process, together or apart. */
export function choreographyConsumers(deps: ChoreographyDependencies): EventConsumer[] {
  return choreographySteps(deps).map((service) => stepConsumer(service, deps.clock));
}
