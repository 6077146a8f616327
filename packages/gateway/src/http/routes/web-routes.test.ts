/**
 * The web routes through the real gateway (`app.inject`): the pages and their assets,
 * their headers, JSON 404s for everything else, and the text page when nothing is built.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../config/load-config.ts';
import { buildGateway, type Gateway } from '../app.ts';
import { WEB_CONTENT_SECURITY_POLICY, WEB_PAGES, webRoutes } from './web-routes.ts';

describe('web routes in the gateway', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await buildGateway({ config: parseConfig({ port: 0, dataDir: ':memory:' }) });
  });
  afterAll(async () => {
    await gateway.app.close();
  });

  test.each(WEB_PAGES)('%s answers the app page with a strict CSP', async (path) => {
    const response = await gateway.app.inject({ method: 'GET', url: path });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.body).toContain('<div id="root"></div>');
    // The build has no inline script: every script is a file of this origin.
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  test('assets are served with year-long immutable caching', async () => {
    const page = await gateway.app.inject({ method: 'GET', url: '/' });
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const response = await gateway.app.inject({ method: 'GET', url: script ?? '' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  test.each([
    '/assets/missing.js',
    '/assets/../package.json',
    '/dashboard/extra',
    '/index.html',
    '/v1/unknown',
  ])('%s stays a JSON 404', async (url) => {
    const response = await gateway.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_ROUTE_NOT_FOUND' } });
  });
});

describe('web routes without a build', () => {
  let app: FastifyInstance;
  let emptyDir: string;
  beforeAll(async () => {
    emptyDir = await mkdtemp(join(tmpdir(), 'sluice-web-'));
    app = Fastify();
    await app.register(async (scope) => webRoutes(scope, { distDir: join(emptyDir, 'dist') }));
  });
  afterAll(async () => {
    await app.close();
    await rm(emptyDir, { recursive: true, force: true });
  });

  test('/ says how to build the pages instead of failing', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toContain('npm run build -w @sluice/web');
  });

  test('a build made after start is served without a restart', async () => {
    const dist = join(emptyDir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>later</title>');
    const response = await app.inject({ method: 'GET', url: '/audit' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('later');
  });
});
