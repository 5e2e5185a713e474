/*
 * modem_config.h - the keys of a [transport NAME] section with
 * type = modem (documented in docs/BRIDGE.md, "Modem pool"):
 *
 *   modems = gsm0 gsm1             the modems, by name (required)
 *   gsm0.link = tcp:127.0.0.1:7010 or serial:/dev/ttyUSB0 or
 *               serial:usb:VID:PID[:SERIAL]            (required)
 *   gsm0.route = +3725 +3726       number prefixes this modem takes
 *                                  (none: every number)
 *   pin, smsc, rate, cnmi, status_reports, command_timeout, send_timeout,
 *   keepalive, init_timeout, retry, baud, flow: pool-wide, each may be
 *   overridden per modem as NAME.KEY
 *   backoff_min, backoff_max, queue_timeout: pool-wide
 *
 * Durations are a number with an optional unit: "10", "10s", "250ms".
 */
#ifndef STKAUTH_BRIDGE_MODEM_CONFIG_H
#define STKAUTH_BRIDGE_MODEM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modem_engine.h"
#include "transport.h"

#define MODEM_MAX 64
#define MODEM_ROUTES_MAX 16
#define MODEM_NAME_MAX 31

enum modem_link_kind { MODEM_LINK_TCP = 0, MODEM_LINK_SERIAL };
enum modem_flow { MODEM_FLOW_NONE = 0, MODEM_FLOW_RTSCTS, MODEM_FLOW_XONXOFF,
	MODEM_FLOW_DTRDSR };

struct modem_link_cfg {
	enum modem_link_kind kind;
	char host[256];		/* tcp */
	char port[8];
	char path[256];		/* serial by device path ("" when by USB) */
	bool by_usb;		/* serial by USB VID:PID[:serial] */
	unsigned usb_vid, usb_pid;
	char usb_serial[64];	/* "" = any */
	unsigned baud;
	enum modem_flow flow;
};

struct modem_cfg {
	char name[MODEM_NAME_MAX + 1];
	char spec[300];		/* the link as written, for logs */
	struct modem_link_cfg link;
	struct me_params me;
	size_t nroutes;
	char routes[MODEM_ROUTES_MAX][17];
};

struct modem_pool_cfg {
	char name[64];
	size_t n;
	struct modem_cfg m[MODEM_MAX];
	int64_t backoff_min_ms, backoff_max_ms;
	int64_t queue_timeout_ms;
};

/* Parse and validate the section.  On error: STK_E_INVALID and a message
 * naming the key ("gsm0.link: ...") in err. */
int modem_config_load(const struct transport_config *tc,
    struct modem_pool_cfg *out, char *err, size_t errsz);

/* "tcp:HOST:PORT", "serial:PATH", "serial:usb:VID:PID[:SERIAL]". */
int modem_link_parse(const char *spec, struct modem_link_cfg *out,
    char *err, size_t errsz);

/* How well modem m serves dest: -1 not at all, 0 a modem without routes,
 * else the length of the longest matching prefix. */
int modem_route_score(const struct modem_cfg *m, const char *dest);

/* "250ms", "10s", "10" (seconds), "1.5" -> milliseconds; -1 if bad. */
int64_t modem_parse_duration(const char *text);

#endif
