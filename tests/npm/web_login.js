// web_login.js - the login page of stkauth-server in a real browser:
// headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with a scripted bridge answering over the bridge API (claim, ack,
// delivery, result) and the card's answer made by
// tests/helpers/server_auth_respond.
//
//   node web_login.js CONFIG.json
//
// CONFIG (written by tests/sh/test_web_login.sh): base and baseAfter (the
// servers with CAPTCHA "never" and "after 2"), bridge token, responder,
// K_auth file, accounts {name: {msisdn, iccid, key, password}}, service,
// artifacts folder.  Prints one line per check, "ok - TEXT" or
// "not ok - TEXT"; the shell test numbers them.  Every wait is bounded.
// Screenshots go to the artifacts folder (build/test-artifacts/web/).
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ART = cfg.artifacts;
const WAIT = 10000;
let nfail = 0;

const T0 = Date.now();
function check(cond, text) {
	if (!cond)
		nfail++;
	console.log((cond ? 'ok - ' : 'not ok - ') + text);
	if (process.env.WEB_TIMES)
		console.log(`# ${Date.now() - T0} ms`);
}

function sleep(ms) {
	return new Promise(r => setTimeout(r, ms));
}

// ---- the scripted bridge ----------------------------------------------

async function bridge(method, p, body) {
	const r = await fetch(cfg.base + p, {
		method,
		headers: { 'Authorization': 'Bearer ' + cfg.bridgeToken,
			'Content-Type': 'application/json' },
		body: body ? JSON.stringify(body) : undefined,
		signal: AbortSignal.timeout(WAIT),
	});
	return { status: r.status, json: await r.json().catch(() => null) };
}

// Claim until the job whose auth request carries this ticket shows up
// (PROTOCOL.md §3: TICKET-LEN at offset 33, TICKET at 34): this is also
// the proof that the page shows the ticket the phone gets.
async function claimFor(ticket) {
	const want = (ticket.length.toString(16).padStart(2, '0') +
	    Buffer.from(ticket, 'ascii').toString('hex')).toUpperCase();
	const end = Date.now() + WAIT;
	while (Date.now() < end) {
		const r = await bridge('POST', '/bridge/v1/jobs/claim',
		    { waitMs: 1000, maxJobs: 10, leaseMs: 60000 });
		for (const j of (r.json && r.json.jobs) || [])
			if (j.request.substr(66, want.length) === want)
				return j;
	}
	return null;
}

function cardAnswer(job, acct, args) {
	return execFileSync(cfg.respond, [job.request, acct.iccid, cfg.kauth,
	    acct.key, ...args], { encoding: 'utf8' }).trim();
}

async function ack(job) {
	return bridge('POST', `/bridge/v1/jobs/${job.jobId}/ack`,
	    { leaseId: job.leaseId });
}

async function delivery(job, status) {
	return bridge('POST', `/bridge/v1/jobs/${job.jobId}/delivery`,
	    { leaseId: job.leaseId, status });
}

async function result(job, acct, args) {
	return bridge('POST', '/bridge/v1/results', {
		resultId: 'web-' + job.jobId, msisdn: acct.msisdn,
		iccid: acct.iccid, response: cardAnswer(job, acct, args) });
}

// ---- the browser ------------------------------------------------------

const ARGS = ['--no-sandbox', '--disable-gpu',
	'--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--no-first-run'];
let chrome = null;

// One Chromium (playwright-core gives it a fresh temporary profile, its
// --user-data-dir, removed at close); a new isolated context per
// scenario: no cookie or cache crosses from one to the next.
async function browser(opts) {
	if (chrome === null)
		chrome = await chromium.launch({
			executablePath: '/usr/bin/chromium', headless: true,
			args: ARGS });
	return chrome.newContext(Object.assign({
		viewport: { width: 1024, height: 800 } }, opts));
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(ART, name + '.png'),
	    fullPage: true });
}

async function h1(page) {
	return (await page.textContent('h1')).trim();
}

async function waitH1(page, text, ms) {
	try {
		await page.waitForFunction(t => {
			const h = document.querySelector('h1');
			return h && h.textContent.trim() === t;
		}, text, { timeout: ms || WAIT });
		return true;
	} catch (e) {
		return false;
	}
}

const WORDS = { two: '2', three: '3', four: '4', five: '5', six: '6',
	seven: '7', eight: '8', nine: '9' };

// The accessible alternative: read the words, type the characters.
async function solveCaptcha(page, base) {
	if (await page.$('#captcha') === null)
		return null;
	const p2 = await page.context().newPage();
	await p2.goto(base + '/captcha/text');
	const words = await p2.$$eval('ol.words li', l =>
	    l.map(x => x.textContent.trim()));
	await p2.close();
	const ans = words.map(w => WORDS[w] || w.charAt(0)).join('');
	await page.fill('#captcha', ans);
	return ans;
}

// Step 1 with the keyboard: the account field has the focus.
async function login(page, base, account, password) {
	await page.goto(base + '/');
	await page.waitForSelector('#account');
	await page.fill('#account', account);
	await page.fill('#password', password || '');
	await solveCaptcha(page, base);
	await Promise.all([page.waitForNavigation({ timeout: WAIT }),
	    page.click('button[type=submit]')]);
}

async function ticketOf(page) {
	const t = await page.textContent('.ticket span[aria-hidden]');
	return t.replace(/\s+/g, '');
}

// ---- scenarios --------------------------------------------------------

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

// One failure: start, answer as the card/bridge would, expect the page.
let clickedAgain = false;
async function failure(ctx, name, account, password, bridgeDo, title,
    code) {
	const page = await ctx.newPage();
	await login(page, cfg.base, account, password);
	if (bridgeDo) {
		const ticket = await ticketOf(page).catch(() => '');
		const job = ticket ? await claimFor(ticket) : null;
		if (job)
			await bridgeDo(job);
		else
			check(false, `${name}: no job for the ticket`);
	}
	const ok = await waitH1(page, title);
	const got = await page.$eval('[data-result]', e =>
	    e.dataset.result).catch(() => '');
	check(ok && got === code, `${name}: "${title}" (${code})`);
	await shot(page, 'step3-' + name);
	const main = await page.innerHTML('main');
	const again = await page.$('a#again[href="/"]');
	if (again && !clickedAgain) {
		/* once is enough: every failure page has the same link */
		clickedAgain = true;
		await Promise.all([page.waitForNavigation({ timeout: WAIT }),
		    again.click()]);
		check(await h1(page) === 'Sign in',
		    `${name}: "Try again" leads back to step 1`);
	} else
		check(again !== null, `${name}: a "Try again" link to step 1`);
	await page.close();
	return main;
}

async function failures(ctx) {
	const A = cfg.accounts;
	const answer = (acct, ...args) => async job => {
		await ack(job);
		await result(job, acct, args);
	};
	await failure(ctx, 'refused', 'alice', '', answer(A.alice, 'rejected'),
	    'Sign-in rejected', 'USER_REFUSED');
	await failure(ctx, 'timeout', 'alice', '', answer(A.alice, 'timeout',
	    '--unsigned'), 'No answer in time', 'TIMEOUT');
	await failure(ctx, 'delivery-error', 'alice', '', async job => {
		await ack(job);
		await delivery(job, 'FAILED');
	}, 'Your phone could not be reached', 'DELIVERY_ERROR');
	await failure(ctx, 'sim-error', 'alice', '', answer(A.alice, 'error',
	    '--unsigned'), 'Your SIM card reported a problem', 'SIM_ERROR');
	await failure(ctx, 'pin-blocked', 'alice', '', answer(A.alice,
	    'pin-blocked', '--unsigned'), 'Your PIN is blocked', 'PIN_BLOCKED');
	await failure(ctx, 'signature-invalid', 'alice', '', answer(A.alice,
	    '--bad-password'), 'The answer could not be verified',
	    'SIGNATURE_INVALID');
	await failure(ctx, 'cert-invalid', 'frank', '', answer(A.frank),
	    'Your certificate is not valid', 'CERT_INVALID');
	await failure(ctx, 'locked', 'dave', '', null, 'Account locked for now',
	    'ACCOUNT_LOCKED');
	const t0 = Date.now();
	const unknown = await failure(ctx, 'unknown-account', 'nobody', 'x',
	    null, 'We could not sign you in', 'NOT_BOUND');
	const t1 = Date.now();
	const unbound = await failure(ctx, 'not-bound', 'carol', '', null,
	    'We could not sign you in', 'NOT_BOUND');
	const t2 = Date.now();
	const wrongpw = await failure(ctx, 'wrong-password', 'pat', 'wrong',
	    null, 'We could not sign you in', 'NOT_BOUND');
	const t3 = Date.now();
	check(unknown === unbound && unbound === wrongpw,
	    'unknown account, unbound account and wrong password give the ' +
	    'same page, byte for byte');
	console.log(`# unknown ${t1 - t0} ms, unbound ${t2 - t1} ms, wrong ` +
	    `password ${t3 - t2} ms (each with a scrypt check)`);

	// the right password goes on to the phone
	const page = await ctx.newPage();
	await login(page, cfg.base, 'pat', cfg.accounts.pat.password);
	check(await h1(page) === 'Check your phone',
	    'the right password leads to step 2');
	const job = await claimFor(await ticketOf(page));
	if (job) {
		await ack(job);
		await result(job, A.pat, []);
	}
	check(await waitH1(page, 'You are signed in'),
	    'an account with a password signs in with it');
	await page.close();
	await ctx.clearCookies();

	// cancel
	const pc = await ctx.newPage();
	await login(pc, cfg.base, 'alice', '');
	await pc.click('text=Cancel sign-in');
	check(await waitH1(pc, 'Sign-in rejected'),
	    'Cancel (POST with the CSRF token) ends the sign-in');
	await pc.close();
}

async function csrf(ctx) {
	const page = await ctx.newPage();
	await page.goto(cfg.base + '/');
	await page.fill('#account', 'alice');
	await page.evaluate(() => {
		document.querySelector('input[name=csrf]').value =
		    'ct_' + 'A'.repeat(43);
	});
	const [resp] = await Promise.all([page.waitForNavigation(
	    { timeout: WAIT }), page.click('button[type=submit]')]);
	check(resp.status() === 403 && await h1(page) === 'This form has ' +
	    'expired', 'a forged CSRF token is refused (403)');
	await shot(page, 'csrf-refused');
	await page.close();
}

async function noScript() {
	const ctx = await browser({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await login(page, cfg.base, 'alice', '');
	check(await h1(page) === 'Check your phone',
	    'without JavaScript: step 1 posts and step 2 shows');
	const left0 = Number(await page.textContent('#left'));
	let reloaded = false;
	try {
		await page.waitForEvent('load', { timeout: 6000 });
		reloaded = true;
	} catch (e) { /* no refresh */ }
	const left1 = Number(await page.textContent('#left'));
	check(reloaded && left1 < left0, 'without JavaScript the waiting page ' +
	    `refreshes itself (${left0} -> ${left1} s)`);
	await shot(page, 'step2-wait-nojs');
	const job = await claimFor(await ticketOf(page));
	if (job) {
		await ack(job);
		await delivery(job, 'DELIVERED');
		await result(job, cfg.accounts.alice, []);
	}
	let signed = false;
	const end = Date.now() + 12000;
	while (!signed && Date.now() < end) {
		await page.waitForEvent('load', { timeout: 5000 }).catch(() => {});
		signed = await h1(page).catch(() => '') === 'You are signed in';
	}
	check(signed, 'without JavaScript the page reaches the signed-in ' +
	    'page by itself');
	await shot(page, 'step3-signed-in-nojs');
	await ctx.close();
}

async function phone() {
	const ctx = await browser({ viewport: { width: 360, height: 740 },
	    deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = await ctx.newPage();
	await page.goto(cfg.base + '/');
	const w = await page.evaluate(() =>
	    document.documentElement.scrollWidth);
	check(w <= 360, `360 px wide: step 1 needs no sideways scrolling (${w})`);
	await shot(page, 'step1-phone');
	await login(page, cfg.base, 'alice', '');
	const w2 = await page.evaluate(() =>
	    document.documentElement.scrollWidth);
	const box = await page.$eval('.ticket', e => {
		const r = e.getBoundingClientRect();
		return [r.left, r.right];
	});
	check(w2 <= 360 && box[0] >= 0 && box[1] <= 360,
	    `360 px wide: the ticket fits on the waiting page (${box})`);
	await shot(page, 'step2-wait-phone');
	await page.click('text=Cancel sign-in');
	await waitH1(page, 'Sign-in rejected');
	await shot(page, 'step3-refused-phone');
	await ctx.close();
}

// CAPTCHA "after 2 failures" (the second server).
async function captchaPolicy() {
	const ctx = await browser({});
	const page = await ctx.newPage();
	const B = cfg.baseAfter;
	await page.goto(B + '/');
	check(await page.$('#captcha') === null,
	    'policy "after 2": no CAPTCHA on a first visit');
	for (let i = 0; i < 2; i++)
		await login(page, B, 'nobody', '');
	await page.goto(B + '/');
	const img = await page.$('#captcha-img');
	check(img !== null && await page.getByLabel('Characters in the ' +
	    'picture').count() === 1, 'after 2 failures the CAPTCHA appears, ' +
	    'with a label');
	const nat = await page.$eval('#captcha-img', e => e.naturalWidth);
	check(nat === 220, 'the CAPTCHA image is a PNG the browser draws');
	await shot(page, 'captcha');
	const png1 = await img.screenshot();
	await page.click('#captcha-new');
	await page.waitForFunction(() => {
		const i = document.getElementById('captcha-img');
		return i.src.includes('new=1') && i.complete &&
		    i.naturalWidth > 0;
	}, null, { timeout: WAIT });
	const png2 = await (await page.$('#captcha-img')).screenshot();
	check(!png1.equals(png2), '"Show another picture" draws a new challenge');
	await page.fill('#account', 'nobody');
	await page.fill('#captcha', '22222');
	const [resp] = await Promise.all([page.waitForNavigation(
	    { timeout: WAIT }), page.click('button[type=submit]')]);
	const err = await page.textContent('#error').catch(() => '');
	check(resp.status() === 422 && err.includes('did not match') &&
	    await page.$eval('#captcha', e => e.getAttribute('aria-invalid'))
	    === 'true', 'a wrong CAPTCHA answer: the form again, with the ' +
	    'error and a new picture');
	await shot(page, 'captcha-wrong');
	await page.fill('#account', 'nobody');
	const ans = await solveCaptcha(page, B);
	await Promise.all([page.waitForNavigation({ timeout: WAIT }),
	    page.click('button[type=submit]')]);
	check(/^[2-9A-HJKMNP-Z]{5}$/.test(ans || '') && await h1(page) ===
	    'We could not sign you in', `the text alternative (words) solves ` +
	    `the CAPTCHA (${ans})`);
	await ctx.close();
}

(async () => {
	fs.mkdirSync(ART, { recursive: true });
	let ctx;
	try {
		ctx = await browser({});
		await happyPath(ctx);
		await failures(ctx);
		await csrf(ctx);
		await ctx.close();
		ctx = null;
		await noScript();
		await phone();
		await captchaPolicy();
	} catch (e) {
		check(false, 'browser run: ' + String(e && e.stack || e)
		    .split('\n').slice(0, 3).join(' | '));
	} finally {
		if (ctx)
			await ctx.close().catch(() => {});
		if (chrome)
			await chrome.close().catch(() => {});
	}
	process.exit(nfail ? 1 : 0);
})();
