# common/build.mk - code shared by several daemons that does not belong
# in lib/ (which links nothing beyond libcrypto): no program of its own.
# The folders that link a piece add its sources to their own lists.
#
# sqldb.c: the SQLite statement helpers of the server's store (server/,
# and stkauth-admin, which links the store), the bridge's queue and key
# store (smsc-bridge/); link flag -lsqlite3, which all three have.
#
# smpp_pdu.c, smpp_sm.c (smpp_pdu.h): SMPP 3.4 framing, names, header-only
# PDUs, submit_sm/deliver_sm <-> TPDU, receipts; no socket, no event loop.
# The netsim SMSC (tools/netsim/libs.mk) and the bridge's ESME
# (smsc-bridge/smpp.mk) link them, with -lsmpp34, as do their unit
# tests, fuzz targets, benchmarks and the tshark helper smpp_pack.

COMMON_SQLDB_SRCS := common/sqldb.c
COMMON_SMPP_SRCS := common/smpp_pdu.c common/smpp_sm.c

CPPFLAGS += -Icommon
