/*
 * modem_list.c - list serial ports with libserialport (see modem_list.h).
 * Output, one port per line, fields separated by two spaces:
 *
 *   /dev/ttyUSB0  usb  1e0e:9001  serial=ABC123  bus=1.4  "Qualcomm" "SimTech HS-USB"  link=serial:usb:1e0e:9001:ABC123
 *   /dev/ttyS0  native  "ttyS0"  link=serial:/dev/ttyS0
 */
#include <libserialport.h>

#include "modem_list.h"

static const char *const transport_names[] = {
	[SP_TRANSPORT_NATIVE] = "native",
	[SP_TRANSPORT_USB] = "usb",
	[SP_TRANSPORT_BLUETOOTH] = "bluetooth",
};

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

int
modem_list_ports(FILE *out)
{
	struct sp_port **ports = NULL;
	size_t n = 0;

	if (sp_list_ports(&ports) != SP_OK) {
		char *msg = sp_last_error_message();

		fprintf(out, "cannot list serial ports: %s\n", or_empty(msg));
		sp_free_error_message(msg);
		return -1;
	}
	for (; ports[n] != NULL; n++) {
		struct sp_port *p = ports[n];
		enum sp_transport tr = sp_get_port_transport(p);
		int vid, pid, bus, addr;
		const char *sn;

		fprintf(out, "%s  %s", sp_get_port_name(p),
		    (unsigned)tr < sizeof(transport_names) /
		    sizeof(transport_names[0]) ? transport_names[tr] : "?");
		if (tr != SP_TRANSPORT_USB ||
		    sp_get_port_usb_vid_pid(p, &vid, &pid) != SP_OK) {
			fprintf(out, "  \"%s\"  link=serial:%s\n",
			    or_empty(sp_get_port_description(p)),
			    sp_get_port_name(p));
			continue;
		}
		sn = sp_get_port_usb_serial(p);
		fprintf(out, "  %04x:%04x", (unsigned)vid, (unsigned)pid);
		if (sn != NULL && sn[0] != '\0')
			fprintf(out, "  serial=%s", sn);
		if (sp_get_port_usb_bus_address(p, &bus, &addr) == SP_OK)
			fprintf(out, "  bus=%d.%d", bus, addr);
		fprintf(out, "  \"%s\" \"%s\"  link=serial:usb:%04x:%04x%s%s\n",
		    or_empty(sp_get_port_usb_manufacturer(p)),
		    or_empty(sp_get_port_usb_product(p)), (unsigned)vid,
		    (unsigned)pid, sn != NULL && sn[0] ? ":" : "", or_empty(sn));
	}
	if (n == 0)
		fprintf(out, "no serial ports found\n");
	sp_free_port_list(ports);
	return 0;
}
