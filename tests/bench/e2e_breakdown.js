#!/usr/bin/env node
// e2e_breakdown.js - where the time of the benchmark's logins goes, from
// the client's records (e2e_client.js output) and the bridge's log
// (tests/bench/e2e_bench.sh):
//
//   start ─ claimed        server: session, ticket, request, job queued,
//                          the bridge's claim long-poll answered
//   claimed ─ sent         bridge: counter, OTA wrap, SMS-SUBMIT, transport
//                          accepted (+CMGS / submit_sm_resp)
//   sent ─ response        network delivery, phone, card (pop-up answered
//                          automatically, RSA signature), the MO segments
//                          back, reassembly and unwrap in the bridge
//   response ─ done        bridge posts, server verifies (LDAP cache,
//                          certificate, signature), long poll wakes;
//                          split at the bridge's "result ... accepted"
//                          (the server's 202) into
//     response ─ posted    the bridge's result post: its queue, the
//                          connection, the server storing the result
//     posted ─ done        the server's verification and the long poll
//
//   node e2e_breakdown.js CLIENT-OUTPUT BRIDGE-LOG
'use strict';
const fs = require('fs');
const [clientFile, bridgeLog] = process.argv.slice(2);
const rows = fs.readFileSync(clientFile, 'utf8').split('\n')
	.filter((l) => l.startsWith('{"account"')).map((l) => JSON.parse(l))
	.filter((r) => r.result === 'OK');
const ev = {};
const rid = {};		// resultId -> session
const ts = (l) => Date.parse(l.slice(0, 24));
for (const l of fs.readFileSync(bridgeLog, 'utf8').split('\n')) {
	let m;
	if ((m = /job \S+ \(session ([0-9A-F]{16})\) claimed/.exec(l)))
		(ev[m[1]] = ev[m[1]] || {}).claimed = ts(l);
	else if ((m = /\(job ([0-9A-F]{16})\) sent via/.exec(l)))
		(ev[m[1]] = ev[m[1]] || {}).sent ??= ts(l);
	else if ((m = /auth response from .*session ([0-9A-F]{16}).*forwarded as (\S+)/.exec(l))) {
		(ev[m[1]] = ev[m[1]] || {}).response = ts(l);
		rid[m[2]] = m[1];
	} else if ((m = /result (\S+) accepted by the server/.exec(l)) && rid[m[1]])
		ev[rid[m[1]]].posted = ts(l);
}
const seg = { 'start-claimed': [], 'claimed-sent': [], 'sent-response': [], 'response-done': [],
	'response-posted': [], 'posted-done': [] };
for (const r of rows) {
	const e = ev[r.sid];
	if (!e || !e.claimed || !e.sent || !e.response) continue;
	seg['start-claimed'].push(e.claimed - r.start);
	seg['claimed-sent'].push(e.sent - e.claimed);
	seg['sent-response'].push(e.response - e.sent);
	seg['response-done'].push(r.done - e.response);
	if (e.posted) {
		seg['response-posted'].push(e.posted - e.response);
		seg['posted-done'].push(r.done - e.posted);
	}
}
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)] : null; };
const out = {};
for (const [k, a] of Object.entries(seg))
	out[k] = { n: a.length, p50: q(a, 50), p99: q(a, 99) };
process.stdout.write(JSON.stringify(out) + '\n');
