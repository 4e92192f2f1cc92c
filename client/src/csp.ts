import { z } from 'zod';

// The page runs under a CSP without 'unsafe-eval' (server/security/headers.ts). zod probes for eval with
// `Function('')` to compile faster parsers; the probe is refused and reported as a CSP violation. Jitless
// mode skips the probe (the parsers are the same, interpreted). Imported first by main.ts.
z.config({ jitless: true });
