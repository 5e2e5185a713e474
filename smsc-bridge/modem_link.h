/*
 * modem_link.h - the byte stream to one modem: a TCP connection (terminal
 * server, ser2net, modem emulator) or a serial port opened with
 * libserialport (by path, or found by USB VID:PID and serial number).
 * Either way the result is a bufferevent on the bridge's loop, so the AT
 * engine above never knows which it is.
 */
#ifndef STKAUTH_BRIDGE_MODEM_LINK_H
#define STKAUTH_BRIDGE_MODEM_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/bufferevent.h>

#include "modem_config.h"

struct evdns_base;
struct sp_port;

struct modem_link {
	struct bufferevent *bev;
	struct sp_port *port;	/* serial only */
	char desc[300];		/* what was opened, for logs */
};

/*
 * Open the link.  TCP connects in the background: eventcb later sees
 * BEV_EVENT_CONNECTED (or an error); *connected is false.  Serial opens
 * and configures the port now (8N1, baud, flow control) and sets
 * *connected.  dns may be NULL (numeric hosts only then).  STK_OK or an
 * error with the reason in err.
 */
int modem_link_open(struct event_base *base, struct evdns_base *dns,
    const struct modem_link_cfg *cfg, struct modem_link *l,
    bufferevent_data_cb readcb, bufferevent_event_cb eventcb, void *arg,
    bool *connected, char *err, size_t errsz);
/*
 * A TCP link has connected (BEV_EVENT_CONNECTED): TCP_NODELAY on it, so
 * that a command line such as AT+CNMA leaves at once instead of waiting,
 * by Nagle's algorithm, for the modem's delayed ACK of what we wrote
 * before (up to 40 ms on Linux).  A serial line has no such wait.
 */
void modem_link_connected(struct modem_link *l);
/* Close whatever is open (safe on a closed link). */
void modem_link_close(struct modem_link *l);

/* Find the serial port of a USB modem; the name into out.  STK_OK,
 * STK_E_NOT_FOUND. */
int modem_link_find_usb(unsigned vid, unsigned pid, const char *serial,
    char *out, size_t outsz);

#endif
