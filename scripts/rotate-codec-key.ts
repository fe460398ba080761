// Adds a new payload codec key to the data directory's key file and makes it the one that encrypts:
//   npm run keys:rotate [-- --id k2027]
// The old keys stay in the file, so everything already in Temporal still decrypts. Restart the processes to use it.
// Deployments that take their keys from TEMPORAL_CODEC_KEYS rotate there instead (docs/security.md).
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { rotateCodecKeyInFile } from '../src/data-protection/keys.ts';

const { values } = parseArgs({ options: { id: { type: 'string' } } });
const { dataDir } = loadConfig();
const id = await rotateCodecKeyInFile(dataDir, values.id);
console.log(`codec key "${id}" now encrypts; the earlier keys still decrypt (${dataDir})`);
