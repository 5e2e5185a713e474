#!/usr/bin/env node
// e2e_login.js - one login through the web page in headless Chromium
// (playwright-core), with the phone answered through its control socket
// (docs/PHONE.md), as a person holding both would do it:
//
//   node tests/npm/e2e_login.js --url https://127.0.0.1:PORT --account alice
//       --spki BASE64  (sha256 of the server's public key: only that
//                       certificate is accepted, no blanket TLS bypass)
//       [--phone-ctl PATH --answer confirm|reject|none --pin 1234]
//       [--shots DIR --name PREFIX] [--timeout-ms 60000] [--csrf-probe]
//       [--viewport 390x844] [--no-js]
//
// The CSRF probe is sent by playwright's request API (Node's TLS): run with
// NODE_EXTRA_CA_CERTS=the demo CA.
// Prints one JSON object: the ticket read from the page, the ticket the
// phone's pop-up showed, the final page ("signed-in" or the result code of
// the failure page), the page titles, and the CSRF probe's outcome.
// Screenshots of every page state go to DIR/PREFIX-*.png.  Exit 0 when the
// flow ran (the caller judges the outcome), 1 on a driver error.
'use strict';
// The pages load no web fonts (CSP default-src 'none'); Playwright's wait
// for document.fonts.ready can stall a capture during a navigation.
process.env.PW_TEST_SCREENSHOT_NO_FONTS_READY = '1';
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
	const a = { answer: 'none', timeoutMs: 60000, shots: null, name: 'login' };
	for (let i = 2; i < argv.length; i++) {
		const k = argv[i];
		const v = () => argv[++i];
		switch (k) {
		case '--url': a.url = v(); break;
		case '--account': a.account = v(); break;
		case '--spki': a.spki = v(); break;
		case '--phone-ctl': a.ctl = v(); break;
		case '--answer': a.answer = v(); break;
		case '--pin': a.pin = v(); break;
		case '--shots': a.shots = v(); break;
		case '--name': a.name = v(); break;
		case '--timeout-ms': a.timeoutMs = Number(v()); break;
		case '--csrf-probe': a.csrf = true; break;
		case '--viewport': a.viewport = v(); break;
		case '--no-js': a.noJs = true; break;
		default: throw new Error(`unknown argument ${k}`);
		}
	}
	if (!a.url || !a.account || !a.spki)
		throw new Error('--url, --account and --spki are required');
	return a;
}

// One request on the phone's control socket; resolves with the answer line.
function ctl(sock, line) {
	return new Promise((resolve, reject) => {
		const c = net.createConnection(sock);
		let buf = '';
		const t = setTimeout(() => { c.destroy(); reject(new Error('control socket timeout')); }, 5000);
		c.on('connect', () => c.write(line + '\n'));
		c.on('data', (d) => {
			buf += d;
			const i = buf.indexOf('\n');
			if (i >= 0) { clearTimeout(t); c.end(); resolve(buf.slice(0, i)); }
		});
		c.on('error', (e) => { clearTimeout(t); reject(e); });
	});
}

async function waitPopup(sock, kind, ms) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		const s = await ctl(sock, 'STATUS');
		if (s.startsWith('POPUP') && (!kind || s.startsWith(`POPUP ${kind}`)))
			return s;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`no ${kind || ''} pop-up on the phone within ${ms} ms`);
}

async function main() {
	const a = parseArgs(process.argv);
	const out = { account: a.account, titles: {} };
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stkauth-chromium-'));
	let vp = { width: 1280, height: 900 };
	if (a.viewport) {
		const [w, h] = a.viewport.split('x').map(Number);
		vp = { width: w, height: h };
	}
	const ctx = await chromium.launchPersistentContext(dataDir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		chromiumSandbox: false,
		javaScriptEnabled: !a.noJs,
		viewport: vp,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
			'--disable-background-networking', '--disable-component-update',
			'--disable-sync', '--no-first-run',
			`--ignore-certificate-errors-spki-list=${a.spki}`],
	});
	// Screenshots are artefacts for people: one that cannot be taken in
	// time (a loaded machine) is recorded in shotErrors, not a failed login.
	const shotErrors = [];
	const shot = async (page, what) => {
		if (!a.shots) return;
		fs.mkdirSync(a.shots, { recursive: true });
		// A page navigating while the shot is taken (the long-poll just
		// moved it on) can stall the capture: one more try once it settled.
		for (let attempt = 1; attempt <= 2; attempt++) {
			try {
				await page.screenshot({ path: path.join(a.shots, `${a.name}-${what}.png`),
					fullPage: true, timeout: 15000 });
				return;
			} catch (e) {
				if (attempt === 2)
					shotErrors.push(`${what}: ${e.message.split('\n')[0]}`);
				else
					await page.waitForLoadState('load').catch(() => {});
			}
		}
	};
	try {
		const page = ctx.pages()[0] || await ctx.newPage();
		page.setDefaultTimeout(a.timeoutMs);
		const external = [];
		page.on('request', (r) => { if (!r.url().startsWith(a.url) && !r.url().startsWith('data:')) external.push(r.url()); });

		const first = await page.goto(`${a.url}/`);
		out.titles.login = await page.title();
		out.csp = first.headers()['content-security-policy'] || null;
		await shot(page, '1-login');

		if (a.csrf) {
			// A forged POST: the same browser (its cookies), no/incorrect
			// token, as a cross-site form would send it.
			const r = await page.request.post(`${a.url}/login`, {
				form: { account: a.account, csrf: 'forged' },
				headers: { Origin: 'https://evil.example', Referer: 'https://evil.example/' },
				maxRedirects: 0,
			});
			out.csrf = { status: r.status(), location: r.headers().location || null };
		}

		await page.fill('#account', a.account);
		await Promise.all([
			page.waitForURL(/\/wait/, { timeout: a.timeoutMs }),
			page.click('form[action="/login"] button[type="submit"]'),
		]);
		out.titles.wait = await page.title();
		// The waiting page: the ticket grouped for reading (.ticket .grp);
		// the phone mock-up (.phone .screen) repeats service and ticket.
		const grp = await page.locator('.ticket .grp').allInnerTexts();
		out.ticketPage = grp.join('').replace(/\s/g, '') || null;
		const screen = page.locator('.phone .screen p');
		if (await screen.count() > 0)
			out.serviceOnPage = (await screen.first().innerText()).trim();
		await shot(page, '2-wait');

		if (a.ctl && a.answer !== 'none') {
			const s = await waitPopup(a.ctl, null, 30000);
			const m = /Ticket: ([0-9A-Z]+)/.exec(s);
			out.ticketPhone = m ? m[1] : null;
			out.popup = s;
			out.phoneAnswer = await ctl(a.ctl, `ANSWER ${a.answer}`);
			if (a.answer === 'confirm' && a.pin) {
				await waitPopup(a.ctl, 'get-input', 30000);
				out.pinAnswer = await ctl(a.ctl, `ANSWER input ${a.pin}`);
			}
		} else if (a.ctl) {
			const s = await waitPopup(a.ctl, null, 30000);
			const m = /Ticket: ([0-9A-Z]+)/.exec(s);
			out.ticketPhone = m ? m[1] : null;
		}
		await shot(page, '3-answered');

		// The page moves on by itself (long poll; without JS, its refresh).
		await page.waitForFunction(() =>
			document.querySelector('[data-result]') !== null ||
			document.querySelector('form[action="/logout"]') !== null,
		null, { timeout: a.timeoutMs, polling: 250 });
		const res = await page.locator('[data-result]').count();
		if (res > 0) {
			out.final = await page.locator('[data-result]').first().getAttribute('data-result');
			out.message = (await page.locator('[data-result]').first().innerText()).trim();
		} else {
			out.final = 'signed-in';
			out.signedInAccount = (await page.locator('#account').innerText()).trim();
		}
		out.titles.final = await page.title();
		const cookies = await ctx.cookies(a.url);
		out.cookies = cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, secure: c.secure, sameSite: c.sameSite }));
		out.externalRequests = external;
		await shot(page, `4-${out.final}`);
		out.shotErrors = shotErrors;
	} finally {
		await ctx.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\n');
	process.exit(1);
});
