import packageJson from '../../package.json' with { type: 'json' };

/** The version the API and event catalogs announce: the package's. */
export const appVersion: string = packageJson.version;
