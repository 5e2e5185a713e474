/*
 * ns_priv.h - private to stkauth-netsim: the configuration and the
 * prototypes of each file, grouped by file (OpenBSD daemon style).
 */
#ifndef STKAUTH_NETSIM_PRIV_H
#define STKAUTH_NETSIM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netsim.h"

#define NS_MAX_SUBSCRIBERS 256
#define NS_MAX_MODEMS 64
#define NS_MAX_MODULES 4
#define NS_NAME_MAX 32
#define NS_LISTEN_MAX 128
#define NS_PATH_MAX 256
#define NS_MODEM_STORE_MAX 255
#define NS_CMS_CODES_MAX 8

/* Modem faults (faults.c parses them, modem.c applies them). */
struct ns_modem_faults {
	unsigned cms_error_pct;		/* +CMGS answered +CMS ERROR */
	size_t ncms_codes;		/* picked in turn */
	unsigned cms_codes[NS_CMS_CODES_MAX];
	bool hang;			/* stops answering (reads, no reply) */
	bool drop;			/* closes the client connection now */
	unsigned sim_busy_ms;		/* +CME ERROR: 14 this long after PIN */
};

struct ns_modem_cfg {
	char name[NS_NAME_MAX];
	char msisdn[STK_ADDR_TEXT_MAX + 1];
	char listen[NS_LISTEN_MAX];	/* 127.0.0.1:PORT */
	char pty_link[NS_PATH_MAX];	/* symlink to the pty, "" none */
	char pin[9];			/* "" no PIN */
	char imei[16];
	char imsi[16];
	char sca[STK_ADDR_TEXT_MAX + 1];
	unsigned store_size;		/* messages per memory (SM, ME) */
	unsigned rssi;			/* +CSQ */
	struct ns_modem_faults faults;
	int line;			/* where the section starts */
};

struct ns_sub_cfg {
	char msisdn[STK_ADDR_TEXT_MAX + 1];
	int line;
};

/* Per path faults: index [from][to], kind or NS_ENT_KIND_COUNT for "*". */
struct ns_path_faults {
	int delay_ms;			/* -1: not set at this level */
	int loss_pct;
	int dup_pct;
	int reorder_ms;
};

struct ns_config {
	char file[NS_PATH_MAX];
	char subscriber_listen[NS_LISTEN_MAX];
	char subscriber_socket[NS_PATH_MAX];
	char http_listen[NS_LISTEN_MAX];	/* metrics + control */
	char sca[STK_ADDR_TEXT_MAX + 1];	/* the network's SC address */
	int tz_minutes;
	unsigned seed;
	unsigned default_validity_s;
	unsigned max_validity_s;
	unsigned mt_ack_timeout_s;
	unsigned retry_s;
	unsigned store_max;		/* messages stored network-wide */
	int log_level;
	size_t nsubs;
	struct ns_sub_cfg subs[NS_MAX_SUBSCRIBERS];
	size_t nmodems;
	struct ns_modem_cfg modems[NS_MAX_MODEMS];
	struct ns_path_faults path[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1];
	/* Modules (SMPP) and their configurations. */
	size_t nmodules;
	const struct ns_module *modules[NS_MAX_MODULES];
	void *module_cfg[NS_MAX_MODULES];
	/* The fault keys of [faults] (module prefixes), applied at start. */
	size_t nfault_keys;
	struct { char key[96]; char value[96]; int line; } fault_keys[64];
};

/* config.c */
void ns_config_init(struct ns_config *cfg);
/* Load and validate; on error writes "FILE:LINE: message" into err. */
int ns_config_load(struct ns_config *cfg, const char *file, char *err,
    size_t errsz);
void ns_config_free(struct ns_config *cfg);
/* Parse "HOST:PORT" (IPv4 loopback or any IPv4). */
int ns_parse_listen(const char *s, char *host, size_t hostsz,
    unsigned *port);

/* faults.c */
void ns_path_faults_init(struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1]);
int ns_path_fault_set(struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1], const char *key,
    const char *value, char *err, size_t errsz);
/* Effective faults of a path: exact, then FROM->*, *->TO, *->*. */
void ns_path_faults_get(const struct ns_path_faults
    p[NS_ENT_KIND_COUNT + 1][NS_ENT_KIND_COUNT + 1], unsigned from,
    unsigned to, struct ns_path_faults *out);
int ns_modem_fault_set(struct ns_modem_faults *f, const char *key,
    const char *value, char *err, size_t errsz);
/* Unsigned decimal in [lo, hi]. */
int ns_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *v);

/* network.c */
struct netsim *ns_new(struct event_base *base, struct ns_config *cfg);
void ns_free(struct netsim *ns);
struct ns_entity *ns_entity_find(struct netsim *ns, const char *name);
/* Stored messages (metrics, tests). */
size_t ns_stored(const struct netsim *ns);

/* metrics.c */
struct ns_metrics;
struct ns_metrics *ns_metrics_new(void);
void ns_metrics_free(struct ns_metrics *m);
void ns_metrics_add(struct ns_metrics *m, const char *name,
    const char *labels, uint64_t n);
void ns_metrics_set(struct ns_metrics *m, const char *name,
    const char *labels, int64_t v);
void ns_metrics_declare(struct ns_metrics *m, const char *name,
    const char *type, const char *help);
/* Prometheus text exposition format 0.0.4; malloc'd, NUL-terminated. */
char *ns_metrics_render(const struct ns_metrics *m, size_t *len);
struct ns_metrics *ns_metrics_of(struct netsim *ns);

/* control.c: the HTTP listener (GET /metrics, GET/POST /faults). */
struct ns_control;
struct ns_control *ns_control_start(struct netsim *ns, const char *listen);
void ns_control_stop(struct ns_control *c);

/* subscriber.c */
struct ns_subscribers;
struct ns_subscribers *ns_subscribers_start(struct netsim *ns);
void ns_subscribers_stop(struct ns_subscribers *s);

/* modem.c */
struct ns_modems;
struct ns_modems *ns_modems_start(struct netsim *ns);
void ns_modems_stop(struct ns_modems *m);

#endif
