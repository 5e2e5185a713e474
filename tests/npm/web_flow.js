// web_flow.js - the login page's way through in a real browser: step 1
// by keyboard (labels, focus, visible focus ring, strict CSP, the cookie's
// attributes), step 2 (the ticket in groups, large and monospace, the
// service name, the countdown, progress by long-poll as the scripted
// bridge acks and reports delivery), step 3 (signed in, session id
// regenerated, the old cookie value dead, sign-out); an account with a
// password; Cancel.  Shared pieces: web_lib.js.
//
//   node web_flow.js CONFIG.json      (tests/sh/test_web_browser_flow.sh)
'use strict';
const { cfg, WAIT, check, sleep, claimFor, ack, delivery, result, browser,
	shot, h1, waitH1, login, ticketOf, run } = require('./web_lib');

async function happyPath(ctx) {
	const page = await ctx.newPage();
	const a = cfg.accounts.alice;
	const resp = await page.goto(cfg.base + '/');
	const csp = resp.headers()['content-security-policy'] || '';
	check(csp.includes("default-src 'none'") &&
	    csp.includes("frame-ancestors 'none'") &&
	    csp.includes("script-src 'self'"), 'step 1 is served with a ' +
	    'strict Content-Security-Policy');
	check(await h1(page) === 'Sign in' &&
	    await page.getByLabel('Account name').count() === 1 &&
	    await page.getByLabel('Password').count() === 1,
	    'step 1: heading and labelled account and password fields');
	check(await page.evaluate(() => document.activeElement.id) ===
	    'account', 'step 1: the account field has the keyboard focus');
	const cookies = await ctx.cookies();
	const c0 = cookies.find(c => c.name === cfg.cookie);
	check(c0 && c0.httpOnly && c0.secure && c0.sameSite === 'Strict',
	    'Chromium keeps the cookie HttpOnly, Secure, SameSite=Strict ' +
	    'over http://127.0.0.1');
	// focus is visible: the outline of a focused field is drawn
	await page.keyboard.type('alice');
	await page.keyboard.press('Tab');
	const ring = await page.evaluate(() => {
		const s = getComputedStyle(document.activeElement);
		return document.activeElement.id + ' ' + s.outlineStyle + ' ' +
		    s.outlineWidth;
	});
	check(/^password solid [1-9]/.test(ring), 'Tab moves to the password ' +
	    'with a visible focus ring (' + ring + ')');
	await shot(page, 'step1-desktop');
	await page.keyboard.press('Tab');
	const btn = await page.evaluate(() => document.activeElement.tagName +
	    ':' + document.activeElement.type);
	check(btn === 'BUTTON:submit', 'Tab then reaches the Continue button');
	await Promise.all([page.waitForNavigation({ timeout: WAIT }),
	    page.keyboard.press('Enter')]);
	check(page.url().endsWith('/wait') && await h1(page) ===
	    'Check your phone', 'Enter submits; step 2 is the waiting page');
	const ticket = await ticketOf(page);
	const groups = await page.$$eval('.ticket .grp', l =>
	    l.map(g => g.textContent));
	check(/^[2-9A-HJKMNP-Z]{6}$/.test(ticket) && groups.length === 2 &&
	    groups.every(g => g.length === 3),
	    `the ticket ${ticket} is shown in two groups of three`);
	const font = await page.$eval('.ticket', e =>
	    getComputedStyle(e).fontFamily + '|' + getComputedStyle(e).fontSize);
	check(/mono/i.test(font) && parseFloat(font.split('|')[1]) >= 36,
	    'the ticket is large and monospace (' + font + ')');
	const svc = (await page.textContent('.screen p')).trim();
	check(svc === cfg.service, `the service name as the phone shows it ` +
	    `("${svc}")`);
	const left0 = Number(await page.textContent('#left'));
	const tl0 = Date.now();
	check((await page.textContent('#status-text')).includes('Sending'),
	    'progress: sending to the phone');
	const job = await claimFor(ticket);
	check(job !== null, 'the bridge gets a job whose auth request carries ' +
	    'the ticket on the page');
	if (job === null)
		return;
	await ack(job);
	await page.waitForFunction(() => document.getElementById(
	    'status-text').textContent.includes('Sent to your phone'), null,
	    { timeout: WAIT }).catch(() => {});
	check((await page.textContent('#status-text')).includes('Sent to ' +
	    'your phone'), 'progress follows the bridge: sent (long-poll)');
	await delivery(job, 'DELIVERED');
	await page.waitForFunction(() => document.getElementById(
	    'status-text').textContent.includes('Delivered'), null,
	    { timeout: WAIT }).catch(() => {});
	check((await page.textContent('#status-text')).includes('Delivered') &&
	    (await page.$$('.steps li.done')).length === 1,
	    'progress: delivered, waiting for the confirmation');
	await sleep(Math.max(0, 2100 - (Date.now() - tl0)));
	const left1 = Number(await page.textContent('#left'));
	check(left0 > 0 && left1 < left0 && left0 <= cfg.lifetime + 1,
	    `the countdown runs (${left0} -> ${left1} s)`);
	await shot(page, 'step2-wait-desktop');
	const r = await result(job, a, []);
	check(r.status === 202, 'the bridge posts the signed confirmation');
	check(await waitH1(page, 'You are signed in'),
	    'step 3: the page moves on by itself to the signed-in page');
	check((await page.textContent('#account')).trim() === 'alice',
	    'the signed-in page names the account');
	const c1 = (await ctx.cookies()).find(c => c.name === cfg.cookie);
	check(c1 && c0 && c1.value !== c0.value && c1.httpOnly && c1.secure,
	    'the session id is regenerated after login');
	await shot(page, 'step3-signed-in-desktop');
	// the old cookie value is worth nothing now
	const old = await fetch(cfg.base + '/', { headers: { Cookie:
	    cfg.cookie + '=' + c0.value } });
	check(!(await old.text()).includes('You are signed in'),
	    'the pre-login cookie value does not open the signed-in page');
	await Promise.all([page.waitForNavigation({ timeout: WAIT }),
	    page.click('text=Sign out')]);
	check(await h1(page) === 'Sign in', 'sign-out leads back to step 1');
	const after = await fetch(cfg.base + '/', { headers: { Cookie:
	    cfg.cookie + '=' + c1.value } });
	check(!(await after.text()).includes('You are signed in'),
	    'after sign-out the signed-in cookie value is dead');
	await page.close();
}

// The right password goes on to the phone.
async function password() {
	const ctx = await browser({});
	const page = await ctx.newPage();
	await login(page, cfg.base, 'pat', cfg.accounts.pat.password);
	check(await h1(page) === 'Check your phone',
	    'the right password leads to step 2');
	const job = await claimFor(await ticketOf(page));
	if (job) {
		await ack(job);
		await result(job, cfg.accounts.pat, []);
	}
	check(await waitH1(page, 'You are signed in'),
	    'an account with a password signs in with it');
	await ctx.close();
}

async function cancel() {
	const ctx = await browser({});
	const page = await ctx.newPage();
	await login(page, cfg.base, 'alice', '');
	await page.click('text=Cancel sign-in');
	check(await waitH1(page, 'Sign-in rejected'),
	    'Cancel (POST with the CSRF token) ends the sign-in');
	await ctx.close();
}

run(async () => {
	const ctx = await browser({});
	await happyPath(ctx);
	await ctx.close();
	await Promise.all([password(), cancel()]);
});
