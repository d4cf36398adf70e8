import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpenApiDocument, openApiDocument } from '@tranche/contracts';
import express, { type RequestHandler, Router } from 'express';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const PAGE_DIR = fileURLToPath(new URL('./docs-page/', import.meta.url));
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** What the page loads of swagger-ui-dist; the package's own index.html and initializer (the Petstore) are not served. */
const SWAGGER_UI_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js', '/favicon-32x32.png']);

/** Swagger UI sets style attributes from its scripts: inline styles are allowed here, nothing else inline. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const pageHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'content-security-policy': DOCS_CSP,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  next();
};

/**
 * `GET /openapi.json`, the API's OpenAPI document (made once, when the router is), and `GET /docs`, the reference
 * page Swagger UI renders from it, with Swagger UI served from its own package (no CDN). Neither needs a key.
 */
export function apiDocsRouter(document: OpenApiDocument = openApiDocument()): Router {
  const body = JSON.stringify(document);
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').set('cache-control', 'no-cache').send(body);
  });
  router.use(DOCS_PATH, pageHeaders);
  router.get(DOCS_PATH, (_req, res) => res.sendFile(join(PAGE_DIR, 'index.html')));
  const swaggerUi = express.static(SWAGGER_UI_DIR, { index: false, redirect: false, dotfiles: 'allow' });
  router.use(DOCS_PATH, (req, res, next) =>
    SWAGGER_UI_FILES.has(req.path) ? swaggerUi(req, res, next) : next(),
  );
  router.use(DOCS_PATH, express.static(PAGE_DIR, { index: false, redirect: false }));
  return router;
}
