/*
 * transports.c - the table of transport types the core can open
 * (transport.h): the modem pool (modem_*.c), the SMPP ESME (smpp_*.c)
 * and the test-only loop.  Every stkauth-bridge has all three; a `type`
 * not in the table is refused when the configuration is loaded.
 */
#include <stddef.h>
#include <string.h>

#include "bridge.h"

static const struct transport_ops *const types[] = {
	&transport_modem_ops,
	&transport_smpp_ops,
	&transport_loop_ops,
};

const struct transport_ops *
bridge_transport_ops(const char *type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct transport_ops *ops = types[i];

		if (strcmp(ops->type, type) == 0)
			return ops;
	}
	return NULL;
}
