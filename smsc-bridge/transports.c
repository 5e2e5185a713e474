/*
 * transports.c - the table of transport types the core can open
 * (transport.h).  The modem pool and the SMPP ESME are separate parts of
 * the bridge (modem_*.c, smpp_*.c); they are referenced weakly, so the
 * core links, and its tests run, in a tree where they are absent: their
 * `type` is then reported as "not built into this stkauth-bridge".
 */
#include <stddef.h>
#include <string.h>

#include "bridge.h"

extern const struct transport_ops transport_modem_ops __attribute__((weak));
extern const struct transport_ops transport_smpp_ops __attribute__((weak));

/* Entries are NULL when the transport is not linked in. */
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

		if (ops != NULL && ops->type != NULL &&
		    strcmp(ops->type, type) == 0)
			return ops;
	}
	return NULL;
}
