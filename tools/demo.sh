#!/bin/bash
# demo.sh - run the whole stkauth system on this machine (make demo).
#
# Not assembled yet: the demo needs the virtual SIM, the network simulator,
# the bridge and the server, which are still being built (see README.md,
# "Status").  This script says so instead of pretending.
set -eu
cat <<'MSG'
stkauth: the demo is not assembled yet.

What exists today is the wire-format library (lib/) and the PDU inspector,
build/bin/stkauth-pdu.  Try, for example:

  build/bin/stkauth-pdu decode --sca 0001000B915121551532F400000AE8329BFD4697D9EC37
  build/bin/stkauth-pdu gsm7 encode "hello"

The virtual SIM, the network simulator, the bridge and the server will make
`make demo` start a complete login flow; see README.md, "Status".
MSG
exit 1
