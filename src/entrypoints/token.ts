import { parseArgs } from 'node:util';
import { embeddedIssuer, usesIdentityProvider } from '../auth/embedded-issuer.ts';
import { loadConfig } from '../config.ts';

/**
 * `npm run token -- --traveler EMAIL | --operator [--expires 30d]`: mints a token signed with the key `npm start`
 * keeps under the data directory (made here if there is none yet). Prints the token alone, for
 * `TOKEN=$(npm run -s token -- --operator)`.
 */
const usage = 'usage: npm run token -- --traveler EMAIL | --operator [--expires 12h]';
const config = loadConfig();
const { values } = parseArgs({
  options: { traveler: { type: 'string' }, operator: { type: 'boolean' }, expires: { type: 'string' } },
  strict: true,
});

if (usesIdentityProvider(config.auth)) {
  console.error('AUTH_JWKS_URL or AUTH_PUBLIC_KEY is set: tokens come from your identity provider, not from this command');
  process.exit(2);
}
if ((values.traveler === undefined) === (values.operator !== true)) {
  console.error(usage);
  process.exit(2);
}
if (values.traveler !== undefined && !/^[^@\s]+@[^@\s]+$/.test(values.traveler)) {
  console.error(`not an email: ${values.traveler}\n${usage}`);
  process.exit(2);
}
const issuer = (await embeddedIssuer(config.auth, config.dataDir, { create: true }))!;
const token = await issuer.mint(
  values.operator ? { role: 'operator', expiresIn: values.expires } : { role: 'traveler', email: values.traveler!, expiresIn: values.expires },
);
console.log(token);
