// smpp_wait_unbind.js - bind, print "bound", then wait for the SMSC's
// unbind (sent when stkauth-netsim shuts down) and print "unbind".
//
//   node smpp_wait_unbind.js SMPP_PORT
'use strict';
const smpp = require('smpp');

const s = smpp.connect({ url: `smpp://127.0.0.1:${process.argv[2]}`,
	auto_enquire_link_period: 0 });
s.on('error', () => {});
s.on('enquire_link', pdu => s.send(pdu.response()));
s.on('unbind', pdu => {
	console.log('unbind seq ' + pdu.sequence_number);
	s.send(pdu.response());
	process.exit(0);
});
s.on('close', () => { console.log('closed'); process.exit(1); });
s.bind_transceiver({ system_id: 'bank', password: 'secret' }, pdu => {
	console.log(pdu.command_status === 0 ? 'bound' : 'bind failed');
});
setTimeout(() => { console.log('timeout'); process.exit(1); }, 20000);
