// web_lib.js - what the browser tests of the login page share
// (tests/npm/web_flow.js, web_fail.js, web_guard.js): the configuration,
// the check printer, a scripted bridge answering over the bridge API
// (claim, ack, delivery, result; the card's answer made by
// tests/helpers/server_auth_respond), headless Chromium (Debian's
// /usr/bin/chromium) through playwright-core, and the steps of the page.
//
// CONFIG.json (written by tests/helpers/web_browser_lib.sh): base and
// baseAfter (the servers with CAPTCHA "never" and "after 2"), bridge token,
// responder, K_auth file, accounts {name: {msisdn, iccid, key, password}},
// service, cookie name, session lifetime, artifacts folder.  Checks print
// one line each, "ok - TEXT" or "not ok - TEXT"; the shell test numbers
// them.  Every wait is bounded.  Screenshots go to the artifacts folder
// (build/test-artifacts/web/).
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

// Claimed jobs nobody asked for yet: scenarios running side by side share
// one claim at a time and pick their own job from here, so that none
// leases away another's.
const unclaimed = [];
let claiming = null;

function claimOnce() {
	if (claiming === null)
		claiming = bridge('POST', '/bridge/v1/jobs/claim',
		    { waitMs: 1000, maxJobs: 10, leaseMs: 60000 }).then(r => {
			for (const j of (r.json && r.json.jobs) || [])
				unclaimed.push(j);
		}).catch(() => sleep(100)).finally(() => { claiming = null; });
	return claiming;
}

// The job whose auth request carries this ticket (PROTOCOL.md §3:
// TICKET-LEN at offset 33, TICKET at 34): this is also the proof that the
// page shows the ticket the phone gets.
async function claimFor(ticket) {
	const want = (ticket.length.toString(16).padStart(2, '0') +
	    Buffer.from(ticket, 'ascii').toString('hex')).toUpperCase();
	const end = Date.now() + WAIT;
	while (Date.now() < end) {
		const i = unclaimed.findIndex(j =>
		    j.request.substr(66, want.length) === want);
		if (i >= 0)
			return unclaimed.splice(i, 1)[0];
		await claimOnce();
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

// Step 1: the form filled in and sent; the page is where the answer led.
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

// Run the scenarios (an async function); exit 1 when a check failed.
function run(main) {
	(async () => {
		fs.mkdirSync(ART, { recursive: true });
		try {
			await main();
		} catch (e) {
			check(false, 'browser run: ' + String(e && e.stack || e)
			    .split('\n').slice(0, 3).join(' | '));
		} finally {
			if (chrome)
				await chrome.close().catch(() => {});
		}
		process.exit(nfail ? 1 : 0);
	})();
}

module.exports = { cfg, WAIT, check, sleep, bridge, claimFor, ack,
	delivery, result, browser, shot, h1, waitH1, solveCaptcha, login,
	ticketOf, run };
