// web_guard.js - the login page's defences and reach in a real browser:
// a forged CSRF token, JavaScript off (the refresh alone reaches the
// signed-in page), a 360 px phone, the CAPTCHA policy "after 2" (picture,
// "Show another picture", a wrong answer, the text alternative).
//
//   node web_guard.js CONFIG.json     (tests/sh/test_web_browser_guard.sh)
'use strict';
const { cfg, WAIT, check, claimFor, ack, delivery, result, browser, shot,
	h1, waitH1, solveCaptcha, login, ticketOf, run } = require('./web_lib');

async function csrf() {
	const ctx = await browser({});
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
	await ctx.close();
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
	for (let i = 0; i < 2; i++) {
		/* a decoy waiting page (docs/WEB.md §4): cancel it */
		await login(page, B, 'nobody', '');
		await Promise.all([page.waitForNavigation({ timeout: WAIT }),
		    page.click('form[action="/cancel"] button')]);
	}
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
	    'Check your phone', `the text alternative (words) solves ` +
	    `the CAPTCHA (${ans})`);
	await ctx.close();
}

run(async () => {
	await csrf();
	await noScript();
	await phone();
	await captchaPolicy();
});
