import helmet from 'helmet';

// Security headers on every HTTP response (HTML, JSON, assets): a strict CSP that allows only the app's own
// files (the Vite build has no inline script or style), no framing, no referrer (the instructor link carries
// its key), nosniff. `connect-src 'self'` covers the same-origin websocket in current browsers.
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // The app embeds nothing cross-origin; COEP would only get in the way of a future CDN.
    crossOriginEmbedderPolicy: false,
  });
}
