import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHub, type HubClient } from '../../daemons/index.js';
import { UserStore, type ZHub, type SqliteStore } from '../../hub/index.js';
import { buildHub } from '../../services/index.js';

const USER = 'operator';
const PASSWORD = 'operator-password';
const SHOTS = resolve('test-results/screenshots');
const CHROMIUM = process.env.ZHUB_CHROMIUM ?? '/usr/bin/chromium';

describe('the status page in a real browser', () => {
  let zhub: ZHub;
  let base: string;
  let browser: Browser;
  let page: Page;
  let daemon: HubClient | undefined;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    console.log(`screenshots: ${SHOTS}`);
    const users = new UserStore();
    await users.set(USER, PASSWORD);
    zhub = await buildHub({ users, dataDir: await mkdtemp(join(tmpdir(), 'zhub-e2e-')) });
    base = await zhub.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    daemon?.close();
    await browser?.close();
    await zhub?.close();
  });

  it('logs in with the hub credentials', async () => {
    await page.goto(base);
    await page.locator('#login').waitFor();
    await page.screenshot({ path: join(SHOTS, '1-login.png') });
    await page.fill('input[name=user]', USER);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('#login button[type=submit]');
    await expect
      .poll(() => page.textContent('#login-error'))
      .toMatch(/unknown user or wrong password/);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('#login button[type=submit]');
    await page.locator('#daemons').waitFor();
    expect(await page.textContent('#who')).toBe(USER);
  });

  it('shows a daemon when one connects', async () => {
    daemon = await connectHub({
      url: `${base.replace('http', 'ws')}/hub`,
      username: USER,
      password: PASSWORD,
      name: 'e2e-daemon',
      type: 'port',
    });
    await (
      await daemon.getService('EventService')
    ).callRemote('sendHeartbeat', 60, {
      spoolDepth: 7,
      tasks: 3,
      tasksRunning: 1,
      tasksQueued: 0,
      missedRuns: 0,
      generation: 2,
    });
    await page.locator('tr[data-daemon="e2e-daemon"]').waitFor({ timeout: 15_000 });
    const row = await page.textContent('tr[data-daemon="e2e-daemon"]');
    expect(row).toMatch(/port/);
    expect(row).toMatch(/connected/);
    await page.screenshot({ path: join(SHOTS, '2-daemons.png') });
    await page.click('#tabs button[data-tab=services]');
    await page.locator('#services-rows tr').first().waitFor();
    expect(await page.textContent('#services-rows')).toMatch(/EventService/);
    // ConfigService runs in the config lane: a call to it starts a worker, shown with its calls.
    const config = await daemon.getService('ConfigService');
    await config.callRemote('getConfigProperties').catch(() => undefined);
    await page.locator('#workers-rows tr[data-worker]').first().waitFor({ timeout: 15_000 });
    expect(await page.textContent('#lanes-summary')).toMatch(/worker threads running/);
    expect(await page.textContent('#lanes-rows')).toMatch(/config/);
    await page.screenshot({ path: join(SHOTS, '3-services.png') });
  });

  it('shows an event as it arrives and closes it', async () => {
    const events = await (daemon as HubClient).getService('EventService');
    await events.callRemote('sendEvents', [
      {
        seq: 1,
        device: 'web-1',
        component: 'http',
        eventClass: '/Status/Web',
        severity: 5,
        summary: 'e2e: site down',
      },
    ]);
    await page.click('#tabs button[data-tab=events]');
    const row = page.locator('#events-rows tr', { hasText: 'e2e: site down' });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.sev').textContent()).toBe('critical');
    await page.screenshot({ path: join(SHOTS, '4-events.png') });
    await row.locator('button[data-act=close]').click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    expect(
      (zhub.hub.env.store as SqliteStore).events.queryEvents({ state: 'closed' }).events[0],
    ).toMatchObject({
      summary: 'e2e: site down',
      closedBy: USER,
    });
  });

  it('opens a device and draws its metrics', async () => {
    await zhub.hub.env.model.putDevices(
      [{ id: 'chart-dev', title: 'Chart device', address: '192.0.2.10' }],
      'add',
    );
    const now = Date.now();
    const metrics = await (daemon as HubClient).getService('MetricService');
    await metrics.callRemote(
      'writeMetrics',
      Array.from({ length: 60 }, (_, i) => ({
        seq: i + 1,
        device: 'chart-dev',
        metric: 'load1',
        value: Math.sin(i / 6) + 1.5,
        timestamp: now - (60 - i) * 30_000,
      })),
    );
    await page.click('#tabs button[data-tab=devices]');
    await page.locator('tr[data-device="chart-dev"]').click();
    const chart = page.locator('.chart[data-series="chart-dev||load1"]');
    await chart.waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')))
      .toBeGreaterThan(10);
    expect(await chart.locator('canvas').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, '5-device-chart.png'), fullPage: true });
  });
});

describe('the status page over HTTPS, and a hub exposed without TLS', () => {
  let browser: Browser;
  const hubs: ZHub[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    for (const h of hubs) await h.close();
  });

  async function hubWith(options: Parameters<typeof buildHub>[0], host: string) {
    const users = new UserStore();
    await users.set(USER, PASSWORD);
    const zhub = await buildHub({ users, ...options });
    hubs.push(zhub);
    return zhub.app.listen({ port: 0, host });
  }

  async function logIn(page: Page, base: string): Promise<void> {
    await page.goto(base);
    await page.fill('input[name=user]', USER);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('#login button[type=submit]');
    await page.locator('#daemons').waitFor();
  }

  it('serves the page over HTTPS with a Secure session cookie, and no warning', async () => {
    const { makeCertAuthority, makeServerCertificate } = await import('../../hub/index.js');
    const ca = await makeCertAuthority('e2e CA');
    const cert = await makeServerCertificate(ca, ['127.0.0.1']);
    const base = await hubWith({ tls: { cert: cert.cert, key: cert.key } }, '127.0.0.1');
    expect(base).toMatch(/^https:/);
    // The test's private CA is not in the browser's store: the browser is told to accept it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await logIn(page, base);
    expect(await page.textContent('#who')).toBe(USER);
    const cookies = await context.cookies(base);
    expect(cookies.find((c) => c.name === 'zhub_session')).toMatchObject({
      secure: true,
      httpOnly: true,
    });
    await expect.poll(() => page.isHidden('#insecure')).toBe(true);
    await page.screenshot({ path: join(SHOTS, '9-https.png') });
    await context.close();
  });

  it('shows "Not secure" on a hub listening beyond loopback without TLS', async () => {
    const base = (await hubWith({}, '0.0.0.0')).replace('0.0.0.0', '127.0.0.1');
    const page = await browser.newPage();
    await logIn(page, base);
    await expect.poll(() => page.textContent('#insecure')).toMatch(/Not secure: listening on/);
    expect(await page.isVisible('#insecure')).toBe(true);
    await page.screenshot({ path: join(SHOTS, '10-not-secure.png') });
    // An admin's change is in the audit tab.
    const created = await fetch(`${base}/api/devices`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: 'audited-1', address: '192.0.2.9' }),
    });
    expect(created.status).toBe(201);
    await page.click('#tabs button[data-tab=audit]');
    await expect
      .poll(() => page.textContent('#audit-rows'))
      .toMatch(/POST \/api\/devices.*audited-1/);
    await page.screenshot({ path: join(SHOTS, '11-audit.png') });
    await page.close();
  });
});
