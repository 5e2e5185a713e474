// smpp_esme.js - an independent ESME (node-smpp, npm "smpp") against the
// stkauth-netsim SMSC, plus raw sockets for malformed input and a netsim
// subscriber (docs/NETSIM-SUBSCRIBER.md) as the phone.
//
//   node smpp_esme.js SMPP_PORT SUBSCRIBER_PORT CONTROL_PORT
//
// Prints one line per check, "ok - TEXT" or "not ok - TEXT"; the shell test
// (tests/sh/test_netsim_smpp.sh) numbers them.  Every wait is bounded.
'use strict';
const smpp = require('smpp');
const net = require('net');
const http = require('http');

const [smppPort, subPort, ctlPort] = process.argv.slice(2).map(Number);
const HOST = '127.0.0.1';
const PHONE = '+491700000001';
const BANK = '4912345';

function check(cond, text) {
	console.log((cond ? 'ok - ' : 'not ok - ') + text);
}

function withTimeout(p, ms, what) {
	return Promise.race([p, new Promise((_, rej) =>
		setTimeout(() => rej(new Error('timeout: ' + what)), ms))]);
}

function sleep(ms) {
	return new Promise(r => setTimeout(r, ms));
}

// node-smpp session with promise helpers.  The SMSC probes idle binds
// with enquire_link (enquire_link_s = 1 in the test's configuration); the
// sessions answer unless told to stay silent.
function connect(silent) {
	return new Promise((resolve, reject) => {
		const s = smpp.connect({ url: `smpp://${HOST}:${smppPort}`,
			auto_enquire_link_period: 0 }, () => resolve(s));
		s.on('error', reject);
		if (!silent)
			s.on('enquire_link', pdu => s.send(pdu.response()));
	});
}

function call(s, cmd, params) {
	return withTimeout(new Promise(resolve => s[cmd](params, resolve)),
		5000, cmd);
}

function nextEvent(s, name, pred) {
	return withTimeout(new Promise(resolve => {
		const h = pdu => {
			if (pred && !pred(pdu))
				return;
			s.removeListener(name, h);
			resolve(pdu);
		};
		s.on(name, h);
	}), 8000, name);
}

// The phone: a subscriber connection speaking the line protocol.
function phone() {
	const sock = net.connect(subPort, HOST);
	const lines = [];
	let waiters = [];
	let buf = '';
	sock.on('data', d => {
		buf += d.toString();
		let i;
		while ((i = buf.indexOf('\n')) >= 0) {
			const l = buf.slice(0, i).replace(/\r$/, '');
			buf = buf.slice(i + 1);
			lines.push(l);
			waiters = waiters.filter(w => !w(l));
		}
	});
	return {
		send: l => sock.write(l + '\n'),
		wait: (re, what) => withTimeout(new Promise(resolve => {
			const idx = lines.findIndex(l => re.test(l));
			if (idx >= 0) {
				resolve(lines.splice(idx, 1)[0].match(re));
				return;
			}
			waiters.push(l => {
				const m = l.match(re);
				if (!m)
					return false;
				lines.splice(lines.indexOf(l), 1);
				resolve(m);
				return true;
			});
		}), 8000, what),
		end: () => sock.end(),
	};
}

// A raw TCP connection: send bytes, collect what comes back until close or
// a quiet period.
function raw(bytes, quietMs) {
	return withTimeout(new Promise(resolve => {
		const sock = net.connect(smppPort, HOST, () => sock.write(bytes));
		const chunks = [];
		let timer = null;
		const done = closed => {
			clearTimeout(timer);
			sock.destroy();
			resolve({ data: Buffer.concat(chunks), closed });
		};
		sock.on('data', d => {
			chunks.push(d);
			clearTimeout(timer);
			timer = setTimeout(() => done(false), quietMs);
		});
		sock.on('close', () => done(true));
		sock.on('error', () => done(true));
		timer = setTimeout(() => done(false), quietMs);
	}), 8000, 'raw');
}

function header(len, id, status, seq) {
	const b = Buffer.alloc(16);
	b.writeUInt32BE(len, 0);
	b.writeUInt32BE(id >>> 0, 4);
	b.writeUInt32BE(status, 8);
	b.writeUInt32BE(seq, 12);
	return b;
}

function control(body) {
	return withTimeout(new Promise((resolve, reject) => {
		const req = http.request({ host: HOST, port: ctlPort,
			method: 'POST', path: '/faults',
			headers: { 'Content-Type': 'text/plain' } }, res => {
			let t = '';
			res.on('data', d => { t += d; });
			res.on('end', () => resolve({ status: res.statusCode, text: t }));
		});
		req.on('error', reject);
		req.end(body);
	}), 5000, 'control');
}

function metrics() {
	return withTimeout(new Promise((resolve, reject) => {
		http.get({ host: HOST, port: ctlPort, path: '/metrics' }, res => {
			let t = '';
			res.on('data', d => { t += d; });
			res.on('end', () => resolve(t));
		}).on('error', reject);
	}), 5000, 'metrics');
}

async function main() {
	// Bind refusals: wrong password, unknown system_id.
	let s = await connect();
	let r = await call(s, 'bind_transceiver',
		{ system_id: 'bank', password: 'wrong', interface_version: 0x34 });
	check(r.command_status === 0x0e, 'bind with a wrong password: ESME_RINVPASWD');
	s.close();
	s = await connect();
	r = await call(s, 'bind_transmitter',
		{ system_id: 'nobody', password: 'secret' });
	check(r.command_status === 0x0f, 'bind with an unknown system_id: ESME_RINVSYSID');
	s.close();

	// The main session: node-smpp's default interface_version is 0x50
	// (SMPP 5.0); a 3.4 SMSC binds it all the same.
	s = await connect();
	r = await call(s, 'bind_transceiver', { system_id: 'bank', password: 'secret' });
	check(r.command_status === 0, 'bind_transceiver accepted');
	check(r.system_id === 'netsim', 'bind_transceiver_resp carries the SMSC system_id');
	s.on('deliver_sm', pdu => s.send(pdu.response()));

	// submit_sm with a receipt request to a subscriber who is offline:
	// stored, delivered on attach, receipt back as deliver_sm.
	const receipt = nextEvent(s, 'deliver_sm', p => p.esm_class === 4);
	r = await call(s, 'submit_sm', { source_addr_ton: 1, source_addr_npi: 1,
		source_addr: BANK, dest_addr_ton: 1, dest_addr_npi: 1,
		destination_addr: PHONE.slice(1), registered_delivery: 1,
		short_message: 'Hello phone' });
	check(r.command_status === 0 && /^\d+$/.test(r.message_id),
		'submit_sm accepted with a message_id (' + r.message_id + ')');
	const msgId = r.message_id;
	const ph = phone();
	ph.send('ATTACH ' + PHONE);
	await ph.wait(/^OK ATTACH/, 'attach');
	let m = await ph.wait(/^MT (\d+) ([0-9A-Fa-f]+)$/, 'MT');
	// SMS-DELIVER: TP-OA 4912345 international (07 91 94 21 43 F5),
	// GSM 7-bit "Hello phone" (C8329BFD06C1D16F7719).
	check(/0791942143F5/i.test(m[2]) && /C8329BFD06C1D16F7719$/i.test(m[2]),
		'the subscriber gets the SMS-DELIVER from 4912345 with the text');
	ph.send('MT-ACK ' + m[1]);
	r = await receipt;
	const text = r.short_message.message;
	check(new RegExp('^id:' + msgId + ' sub:001 dlvrd:001 submit date:\\d{10} ' +
		'done date:\\d{10} stat:DELIVRD err:000 text:Hello phone$').test(text),
		'delivery receipt in the Appendix B format: ' + text);
	check(r.receipted_message_id === msgId && r.message_state === 2,
		'receipt TLVs receipted_message_id and message_state DELIVERED');
	check(r.source_addr === PHONE.slice(1) && r.destination_addr === BANK,
		'receipt from the destination to the originator');

	// MO from the subscriber to the ESME's number: deliver_sm.
	const mo = nextEvent(s, 'deliver_sm', p => p.esm_class === 0);
	ph.send('MO 1 01000791942143F5000002E834');	// to +4912345, "hi"
	m = await ph.wait(/^MO-RESULT 1 (\S+)/, 'MO-RESULT');
	check(m[1] === 'OK', 'the subscriber MO to the ESME is accepted');
	r = await mo;
	check(r.short_message.message === 'hi' && r.source_addr === PHONE.slice(1) &&
		r.destination_addr === BANK && r.data_coding === 0,
		'deliver_sm carries the MO: from ' + r.source_addr + ' "' +
		r.short_message.message + '"');

	// The bridge's shape: binary, UDHI, PID 0x7F, DCS 0xF6, UDH IEI 0x70.
	r = await call(s, 'submit_sm', { source_addr_ton: 1, source_addr_npi: 1,
		source_addr: BANK, dest_addr_ton: 1, dest_addr_npi: 1,
		destination_addr: PHONE.slice(1), esm_class: 0x40, protocol_id: 0x7f,
		data_coding: 0xf6,
		short_message: Buffer.from('027000DEADBEEF', 'hex') });
	check(r.command_status === 0, 'binary submit_sm (UDHI, PID 7F, DCS F6) accepted');
	m = await ph.wait(/^MT (\d+) ([0-9A-Fa-f]+)$/, 'MT binary');
	check(/^44/i.test(m[2]) && /7FF6.{14}07027000DEADBEEF$/i.test(m[2]),
		'the SMS-DELIVER keeps UDHI, TP-PID 7F, TP-DCS F6 and the UDH: ' + m[2]);
	ph.send('MT-ACK ' + m[1]);

	// message_payload TLV instead of short_message.
	r = await call(s, 'submit_sm', { source_addr_ton: 1, source_addr_npi: 1,
		source_addr: BANK, dest_addr_ton: 1, dest_addr_npi: 1,
		destination_addr: PHONE.slice(1), message_payload: 'Via payload' });
	check(r.command_status === 0, 'submit_sm with message_payload accepted');
	m = await ph.wait(/^MT (\d+) ([0-9A-Fa-f]+)$/, 'MT payload');
	ph.send('MT-ACK ' + m[1]);

	// An unroutable destination.
	r = await call(s, 'submit_sm', { dest_addr_ton: 1, dest_addr_npi: 1,
		source_addr_ton: 1, source_addr: BANK,
		destination_addr: '999999', short_message: 'x' });
	check(r.command_status === 0x0b, 'submit_sm to an unowned number: ESME_RINVDSTADR');

	r = await call(s, 'enquire_link', {});
	check(r.command_status === 0, 'enquire_link answered');

	// Malformed input on other connections; the session stays served.
	let x = await raw(Buffer.concat([header(5, 0x15, 0, 1)]), 1500);
	check(x.data.length >= 16 && x.data.readUInt32BE(4) === 0x80000000 &&
		x.data.readUInt32BE(8) === 0x02 && x.closed,
		'command_length 5: generic_nack ESME_RINVCMDLEN, connection closed');
	x = await raw(header(100000, 0x04, 0, 2), 1500);
	check(x.data.length >= 16 && x.data.readUInt32BE(8) === 0x02 && x.closed,
		'command_length 100000 before a bind: ESME_RINVCMDLEN, closed');
	x = await raw(header(16, 0x99, 0, 3), 500);
	check(x.data.length === 16 && x.data.readUInt32BE(4) === 0x80000000 &&
		x.data.readUInt32BE(8) === 0x03 && x.data.readUInt32BE(12) === 3,
		'unknown command_id: generic_nack ESME_RINVCMDID with its sequence');
	const sub = Buffer.concat([header(0, 0x04, 0, 4), Buffer.from(
		'00010134393132333435000101343931373030303030303031000000000000000000000178', 'hex')]);
	sub.writeUInt32BE(sub.length, 0);
	x = await raw(sub, 500);
	check(x.data.length === 16 && x.data.readUInt32BE(4) === 0x80000004 &&
		x.data.readUInt32BE(8) === 0x04,
		'submit_sm before a bind: submit_sm_resp ESME_RINVBNDSTS');
	r = await call(s, 'enquire_link', {});
	check(r.command_status === 0, 'the bound session is still served');

	// Throughput limit: [esme slow] allows 2 submit_sm per second.
	const t = await connect();
	r = await call(t, 'bind_transmitter', { system_id: 'slow', password: 'pw',
		interface_version: 0x34 });
	check(r.command_status === 0, 'bind_transmitter for the throttled ESME');
	const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => call(t,
		'submit_sm', { source_addr_ton: 1, source_addr: '4955501',
			dest_addr_ton: 1, destination_addr: PHONE.slice(1),
			short_message: 'rate' })));
	const st = answers.map(a => a.command_status);
	check(st.filter(v => v === 0).length >= 1 &&
		st.filter(v => v === 0x58).length >= 3,
		'throughput_per_second 2: the burst gets ESME_RTHROTTLED (' +
		st.join(',') + ')');
	await sleep(1100);	// the bucket refills
	r = await call(t, 'submit_sm', { dest_addr_ton: 1, dest_addr_npi: 1,
		destination_addr: PHONE.slice(1), short_message: 'rx' });
	check(r.command_status === 0, 'after a second the ESME may submit again');
	m = await ph.wait(/^MT (\d+) ([0-9A-F]*0791945505F1[0-9A-F]*02723C)$/i,
		'MT rx');
	check(m !== null, 'an empty source_addr is sent as the ESME\'s own number (+4955501)');
	ph.send('MT-ACK ' + m[1]);
	r = await call(t, 'unbind', {});
	check(r.command_status === 0, 'unbind of the throttled ESME');
	t.close();

	// Faults at run time through the control interface.
	let c = await control('smsc.bind_refuse_pct=100\n');
	check(c.status === 200, 'POST /faults smsc.bind_refuse_pct=100');
	const u = await connect();
	r = await call(u, 'bind_transceiver', { system_id: 'bank', password: 'secret' });
	check(r.command_status === 0x0d, 'bind refused by the fault: ESME_RBINDFAIL');
	u.close();
	await control('smsc.bind_refuse_pct=0\nsmsc.delay_ms=600\n');
	const t0 = Date.now();
	r = await call(s, 'enquire_link', {});
	const dt = Date.now() - t0;
	check(r.command_status === 0 && dt >= 500, 'smsc.delay_ms=600 delays responses (' +
		dt + ' ms)');
	await control('smsc.delay_ms=0\nsmsc.throttle_pct=100\n');
	r = await call(s, 'submit_sm', { dest_addr_ton: 1, source_addr_ton: 1,
		source_addr: BANK, destination_addr: PHONE.slice(1), short_message: 'x' });
	check(r.command_status === 0x58, 'smsc.throttle_pct=100: ESME_RTHROTTLED');
	await control('smsc.throttle_pct=0\n');
	c = await control('smsc.nonsense=1\n');
	check(c.status >= 400, 'an unknown SMSC fault key is refused (' + c.status + ')');

	const met = await metrics();
	check(/netsim_smpp_pdus_total\{[^}]*command="submit_sm"[^}]*\} [1-9]/.test(met) &&
		/netsim_smpp_faults_total/.test(met), '/metrics counts SMPP PDUs and faults');

	// A dropped connection (fault) ends the session from the SMSC side.
	const d = await connect();
	r = await call(d, 'bind_transmitter', { system_id: 'bank', password: 'secret' });
	const closed = withTimeout(new Promise(res => d.on('close', () => res(true))),
		5000, 'close');
	await control('smsc.drop_pct=100\n');
	d.submit_sm({ dest_addr_ton: 1, destination_addr: PHONE.slice(1),
		short_message: 'x' }, () => {});
	check(await closed.catch(() => false), 'smsc.drop_pct=100: the connection is dropped');
	await control('smsc.drop_pct=0\n');

	// SMSC timers: an idle bind gets enquire_link; a bind that does not
	// answer it is closed after response_timeout_s (2 s here).
	const q = await connect(true);
	r = await call(q, 'bind_receiver', { system_id: 'bank', password: 'secret' });
	check(r.command_status === 0, 'bind_receiver for the timer checks');
	const enq = await nextEvent(q, 'enquire_link').catch(() => null);
	check(enq !== null && enq.sequence_number >= 1,
		'the SMSC sends enquire_link to an idle bind');
	const gone = await withTimeout(new Promise(res => q.on('close',
		() => res(true))), 5000, 'close').catch(() => false);
	check(gone, 'an unanswered enquire_link closes the bind after the response timeout');

	// Clean end: unbind.
	r = await call(s, 'unbind', {});
	check(r.command_status === 0, 'unbind answered');
	s.close();

	// smsc.drop_all closes every connection at once.
	const a = await connect(), b = await connect();
	await call(a, 'bind_transceiver', { system_id: 'bank', password: 'secret' });
	const aGone = new Promise(res => a.on('close', () => res(true)));
	const bGone = new Promise(res => b.on('close', () => res(true)));
	c = await control('smsc.drop_all=1\n');
	const both = await withTimeout(Promise.all([aGone, bGone]), 5000,
		'drop_all').catch(() => null);
	check(c.status === 200 && both !== null,
		'smsc.drop_all=1 closes the bound and the unbound connection');
	ph.end();
}

main().then(() => process.exit(0), e => {
	check(false, 'script aborted: ' + e.message);
	process.exit(1);
});
