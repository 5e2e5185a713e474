// web_fail.js - every failure page of the login page in a real browser:
// each result (refused on the phone, no answer in time, phone
// unreachable, SIM error, PIN blocked, signature or certificate invalid,
// account locked) with its own title, its data-result code and a "Try
// again" link; unknown account, unbound account and wrong password get a
// decoy waiting page and end, like an unanswered real sign-in, on the
// TIMEOUT page, byte for byte.  Two parts, one per shell test: "answers" (what
// the phone, the network and the checks of the answer give) and
// "refusals" (what the server refuses itself).  Each part runs two lanes
// side by side, each scenario in its own browser context; the scripted
// bridge (web_lib.js) hands each its own job.
//
//   node web_fail.js CONFIG.json answers    (test_web_browser_fail.sh)
//   node web_fail.js CONFIG.json refusals   (test_web_browser_deny.sh)
'use strict';
const { cfg, WAIT, check, claimFor, ack, delivery, result, browser, shot,
	h1, waitH1, login, ticketOf, run } = require('./web_lib');

// One failure: start, answer as the card/bridge would, expect the page.
let clickedAgain = false;
async function failure(name, account, password, bridgeDo, title, code) {
	const ctx = await browser({});
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
	await ctx.close();
	return main;
}

const A = cfg.accounts;
const answer = (acct, ...args) => async job => {
	await ack(job);
	await result(job, acct, args);
};

// Part "answers": what the phone, the network and the server's checks of
// the answer give, in two lanes.
async function lane1() {
	await failure('refused', 'alice', '', answer(A.alice, 'rejected'),
	    'Sign-in rejected', 'USER_REFUSED');
	await failure('timeout', 'alice', '', answer(A.alice, 'timeout',
	    '--unsigned'), 'No answer in time', 'TIMEOUT');
	await failure('delivery-error', 'alice', '', async job => {
		await ack(job);
		await delivery(job, 'FAILED');
	}, 'Your phone could not be reached', 'DELIVERY_ERROR');
}

async function lane2() {
	await failure('sim-error', 'alice', '', answer(A.alice, 'error',
	    '--unsigned'), 'Your SIM card reported a problem', 'SIM_ERROR');
	await failure('pin-blocked', 'alice', '', answer(A.alice,
	    'pin-blocked', '--unsigned'), 'Your PIN is blocked', 'PIN_BLOCKED');
	await failure('signature-invalid', 'alice', '', answer(A.alice,
	    '--bad-password'), 'The answer could not be verified',
	    'SIGNATURE_INVALID');
}

// Part "refusals": what the server refuses itself, in two lanes.
async function lane3() {
	await failure('cert-invalid', 'frank', '', answer(A.frank),
	    'Your certificate is not valid', 'CERT_INVALID');
	await failure('locked', 'dave', '', null, 'Account locked for now',
	    'ACCOUNT_LOCKED');
}

// What the page must not tell apart (docs/WEB.md §4): an unknown
// account, an unbound account and a wrong password get a decoy waiting
// page - a ticket, the hint line - that ends like a real session whose
// phone never answers (alice, whose job nobody answers): the TIMEOUT page
// at the expiry (the short lifetime of this test's server).  All four run
// side by side; their waiting and final pages are compared.
async function unanswered(name, account, password) {
	const ctx = await browser({});
	const page = await ctx.newPage();
	const t0 = Date.now();
	await login(page, cfg.base, account, password);
	const ticket = await ticketOf(page).catch(() => '');
	const hint = await page.locator('text=No pop-up on your phone? ' +
	    'Check the account name and try again.').count();
	const left = Number(await page.textContent('#left').catch(() => '0'));
	check(await h1(page) === 'Check your phone' &&
	    /^[2-9A-HJKMNP-Z]{4,12}$/.test(ticket) && hint === 1 &&
	    left > 0 && left <= cfg.lifetime + 1, `${name}: a waiting page ` +
	    `with a ticket (${ticket}), the hint line, ${left} s left`);
	await shot(page, 'step2-' + name);
	const ok = await waitH1(page, 'No answer in time',
	    (cfg.lifetime + 15) * 1000);
	const got = await page.$eval('[data-result]', e =>
	    e.dataset.result).catch(() => '');
	const secs = Math.round((Date.now() - t0) / 1000);
	check(ok && got === 'TIMEOUT', `${name}: at the expiry the TIMEOUT ` +
	    `page (after ${secs} s)`);
	await shot(page, 'step3-' + name);
	const main = await page.innerHTML('main');
	await ctx.close();
	return main;
}

async function lane4() {
	const [real, unknown, unbound, wrongpw] = await Promise.all([
		unanswered('unanswered', 'alice', ''),
		unanswered('unknown-account', 'nobody', 'x'),
		unanswered('not-bound', 'carol', ''),
		unanswered('wrong-password', 'pat', 'wrong'),
	]);
	check(real === unknown && unknown === unbound && unbound === wrongpw,
	    'unknown account, unbound account, wrong password and a real ' +
	    'unanswered sign-in end on the same page, byte for byte');
}

const parts = { answers: [lane1, lane2], refusals: [lane3, lane4] };

run(async () => {
	const lanes = parts[process.argv[3]];

	if (lanes === undefined)
		throw new Error('part: answers or refusals');
	await browser({}).then(c => c.close());	/* one launch, then lanes */
	await Promise.all(lanes.map(l => l()));
});
