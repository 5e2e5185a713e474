/*
 * modem_list.h - `stkauth-bridge --list-modems`: the serial ports of this
 * machine with their USB details (libserialport enumeration), so that an
 * operator can write serial:usb:VID:PID:SERIAL links.
 */
#ifndef STKAUTH_BRIDGE_MODEM_LIST_H
#define STKAUTH_BRIDGE_MODEM_LIST_H

#include <stdio.h>

/* One line per port; 0 on success (also with no ports), -1 when the
 * enumeration failed (message on out). */
int modem_list_ports(FILE *out);

#endif
