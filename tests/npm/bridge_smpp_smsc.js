// bridge_smpp_smsc.js - an SMSC that is not ours (node-smpp, npm "smpp",
// in server mode) for the bridge's SMPP transport
// (tests/sh/test_bridge_smpp_interop.sh runs the transport against it
// through build/tests/helpers/bridge_smpp_drive).
//
//   node bridge_smpp_smsc.js PORT normal|garbage
//
// normal: checks the bind (system_id, password, system_type,
//   interface_version 0x34, addr_ton/npi) and each submit_sm (TON/NPI,
//   esm_class UDHI, protocol_id, data_coding, registered_delivery, UDH);
//   answers the first with ESME_RTHROTTLED and the rest with decimal
//   message_ids, each followed by a delivery receipt (Appendix B text and
//   receipted_message_id / message_state); after three accepted messages
//   sends two MO deliver_sm (short_message, message_payload), one it
//   cannot map (data_coding 5), and an enquire_link; expects every
//   deliver_sm answered, then the ESME's unbind.
// garbage: after the bind, sends a PDU with command_length 0xFFFFFFFF and
//   expects the ESME to close the connection.
//
// Prints "ok - TEXT" / "not ok - TEXT" lines and "listening" once bound
// to the port; exits when done or after 20 s.
'use strict';
const smpp = require('smpp');

const port = Number(process.argv[2]);
const mode = process.argv[3] || 'normal';
let failures = 0;

function check(cond, text) {
	if (!cond)
		failures++;
	console.log((cond ? 'ok - ' : 'not ok - ') + text);
}

function finish() {
	console.log('end');
	process.exit(failures ? 1 : 0);
}

setTimeout(() => {
	check(false, 'the session ended within 20 s');
	finish();
}, 20000);

function hex(b) {
	return Buffer.isBuffer(b) ? b.toString('hex') : String(b);
}

// The short_message as octets: node-smpp splits off the UDH itself.
function rawMessage(sm) {
	if (Buffer.isBuffer(sm))
		return sm;
	const udh = sm.udh ? Buffer.concat(sm.udh) : Buffer.alloc(0);
	const msg = Buffer.isBuffer(sm.message) ? sm.message :
		Buffer.from(sm.message || '', 'binary');
	return Buffer.concat([udh.length ? Buffer.from([udh.length]) :
		Buffer.alloc(0), udh, msg]);
}

const server = smpp.createServer({ debug: false }, session => {
	session.on('error', () => {});
	let bound = false;
	session.on('bind_transceiver', pdu => {
		const good = pdu.system_id === 'bank' && pdu.password === 'secret';
		check(good, 'bind_transceiver with system_id and password');
		check(pdu.system_type === 'stkauth', 'system_type is sent');
		check(pdu.interface_version === 0x34, 'interface_version 0x34');
		check(pdu.addr_ton === 1 && pdu.addr_npi === 1,
			'addr_ton 1, addr_npi 1');
		session.send(pdu.response({
			command_status: good ? 0 : smpp.ESME_RBINDFAIL,
			system_id: 'nodesmsc',
		}));
		bound = good;
		if (mode === 'garbage' && good) {
			session.socket.write(Buffer.from('ffffffff0000000500000000' +
				'00000009', 'hex'));
			const t0 = Date.now();
			session.socket.on('close', () => {
				check(Date.now() - t0 < 3000,
					'the ESME closes the connection on a bad command_length');
				finish();
			});
		}
	});
	if (mode === 'garbage')
		return;

	let submits = 0, accepted = 0, nextId = 1000;
	session.on('submit_sm', pdu => {
		submits++;
		if (submits === 1) {
			check(pdu.destination_addr === '37255500001' &&
				pdu.dest_addr_ton === 1 && pdu.dest_addr_npi === 1,
				'destination_addr 37255500001, TON 1, NPI 1');
			check(pdu.source_addr === '4912345', 'source_addr from the config');
			check((pdu.esm_class & 0x40) === 0x40, 'esm_class UDHI');
			check(pdu.protocol_id === 0x7f, 'protocol_id 0x7F');
			check(pdu.data_coding === 0xf6, 'data_coding 0xF6');
			check(pdu.registered_delivery === 1, 'registered_delivery 1');
			const raw = hex(rawMessage(pdu.short_message));
			check(raw.startsWith('027000'),
				'short_message starts with the UDH 027000 (' + raw + ')');
			session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
			return;
		}
		const id = String(nextId++);
		session.send(pdu.response({ message_id: id }));
		accepted++;
		// A delivery receipt (Appendix B) for it.
		session.deliver_sm({
			source_addr: pdu.destination_addr, source_addr_ton: 1,
			source_addr_npi: 1, destination_addr: pdu.source_addr,
			esm_class: 0x04,
			short_message: 'id:' + id + ' sub:001 dlvrd:001 submit date:' +
				'2611231943 done date:2611231944 stat:DELIVRD err:000 text:',
			receipted_message_id: id,
			message_state: 2,
		}, resp => check(resp.command_status === 0,
			'receipt ' + id + ' acknowledged with ESME_ROK'));
		if (accepted === 3)
			setTimeout(moPhase, 200);
	});

	function moPhase() {
		const mo = {
			source_addr: '491700000001', source_addr_ton: 1,
			source_addr_npi: 1, destination_addr: '4912345',
			esm_class: 0x40, protocol_id: 0x7f, data_coding: 0xf6,
		};
		session.deliver_sm(Object.assign({}, mo, {
			short_message: Buffer.from('027100aabbcc', 'hex'),
		}), resp => check(resp.command_status === 0,
			'MO deliver_sm (short_message) acknowledged'));
		session.deliver_sm(Object.assign({}, mo, {
			message_payload: Buffer.from('027100ddeeff', 'hex'),
		}), resp => check(resp.command_status === 0,
			'MO deliver_sm (message_payload) acknowledged'));
		session.deliver_sm(Object.assign({}, mo, {
			data_coding: 5, esm_class: 0,
			short_message: Buffer.from('0102', 'hex'),
		}), resp => check(resp.command_status !== 0,
			'an unmappable deliver_sm is refused (status 0x' +
			resp.command_status.toString(16) + ')'));
		session.enquire_link({}, resp => check(resp.command_status === 0,
			'enquire_link answered'));
	}

	session.on('enquire_link', pdu => session.send(pdu.response()));
	session.on('unbind', pdu => {
		check(bound && accepted === 3, 'the ESME unbinds after its work');
		session.send(pdu.response());
		setTimeout(finish, 200);
	});
});

server.listen(port, '127.0.0.1', () => console.log('listening'));
