/** Who a verified token says the caller is. A traveler acts only on their own bookings; an operator reads all. */
export type Principal =
  | { role: 'traveler'; subject: string; email: string }
  | { role: 'operator'; subject: string };

export type Role = Principal['role'];

export const roles: readonly Role[] = ['traveler', 'operator'];

/**
 * Emails compare without regard to case: providers and people write the same address in either, and nobody hands
 * out "Ada@" and "ada@" to two different travelers.
 */
export function sameEmail(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether this caller may see what belongs to the traveler with this email. */
export function mayRead(principal: Principal, travelerEmail: string): boolean {
  return principal.role === 'operator' || sameEmail(principal.email, travelerEmail);
}
