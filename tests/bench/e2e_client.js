#!/usr/bin/env node
// e2e_client.js - the relying party of the end-to-end benchmarks
// (tests/bench/e2e_bench.sh): logins through the REST API over HTTPS with
// keep-alive, each timed from the start request to the long-poll answer
// that says COMPLETE.  Node's own https; trust the demo CA with
// NODE_EXTRA_CA_CERTS.
//
//   node e2e_client.js URL KEY LOGINS CONCURRENCY ACCOUNT...
//
// Worker w logs in with ACCOUNT[w], ACCOUNT[w + CONCURRENCY], ... in turn,
// so one card never has two dialogues at once.  Prints one JSON line per
// login {account, sid, start, done, ms, result} (times in ms since the
// epoch) and a summary line {"summary": ...}.
'use strict';
const https = require('https');

const [url, key, loginsArg, concArg, ...accounts] = process.argv.slice(2);
const logins = Number(loginsArg);
const conc = Math.min(Number(concArg), accounts.length);
if (!url || !key || !(logins > 0) || !(conc > 0)) {
	console.error('usage: e2e_client.js URL KEY LOGINS CONCURRENCY ACCOUNT...');
	process.exit(2);
}
const agent = new https.Agent({ keepAlive: true, maxSockets: conc * 2 });
const base = new URL(url);

function call(method, path, body) {
	return new Promise((resolve, reject) => {
		const data = body ? JSON.stringify(body) : null;
		const req = https.request({
			host: base.hostname, port: base.port, method, path, agent,
			headers: Object.assign({ Authorization: `Bearer ${key}` },
				data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}),
		}, (res) => {
			let buf = '';
			res.on('data', (d) => { buf += d; });
			res.on('end', () => {
				try { resolve({ status: res.statusCode, body: JSON.parse(buf) }); }
				catch (e) { reject(new Error(`${method} ${path}: ${res.statusCode} ${buf.slice(0, 200)}`)); }
			});
		});
		req.on('error', reject);
		req.setTimeout(60000, () => req.destroy(new Error('timeout')));
		if (data) req.write(data);
		req.end();
	});
}

async function login(account) {
	const start = Date.now();
	const r = await call('POST', '/api/v1/authentication',
		{ account, serviceName: 'stkauth benchmark' });
	if (r.status !== 200) return { account, start, done: Date.now(), result: `HTTP_${r.status}` };
	const sid = r.body.sessionId;
	for (;;) {
		const s = await call('GET', `/api/v1/authentication/session/${sid}?timeoutMs=30000`);
		if (s.status !== 200) return { account, sid, start, done: Date.now(), result: `HTTP_${s.status}` };
		if (s.body.state === 'COMPLETE') {
			const done = Date.now();
			return { account, sid, start, done, ms: done - start, result: s.body.result };
		}
	}
}

async function main() {
	let next = 0;
	const results = [];
	const t0 = Date.now();
	const worker = async (w) => {
		let k = 0;
		for (;;) {
			const i = next++;
			if (i >= logins) return;
			const acct = accounts[w + conc * (k++ % Math.ceil((accounts.length - w) / conc))];
			const r = await login(acct);
			results.push(r);
			process.stdout.write(JSON.stringify(r) + '\n');
		}
	};
	await Promise.all(Array.from({ length: conc }, (_, w) => worker(w)));
	const wall = Date.now() - t0;
	const ok = results.filter((r) => r.result === 'OK').map((r) => r.ms).sort((a, b) => a - b);
	const pct = (p) => ok.length ? ok[Math.min(ok.length - 1, Math.ceil(p / 100 * ok.length) - 1)] : null;
	process.stdout.write(JSON.stringify({ summary: {
		logins: results.length, ok: ok.length, concurrency: conc, wallMs: wall,
		perSecond: Number((results.length / (wall / 1000)).toFixed(2)),
		p50: pct(50), p90: pct(90), p99: pct(99), max: ok.length ? ok[ok.length - 1] : null,
		min: ok.length ? ok[0] : null,
		results: results.reduce((m, r) => { m[r.result] = (m[r.result] || 0) + 1; return m; }, {}),
	} }) + '\n');
	agent.destroy();
}
main().catch((e) => { console.error(String(e)); process.exit(1); });
