/*
 * at_cmds.c - the AT commands of a simulated modem: a table of commands
 * with their allowed forms, the handlers (the TS 27.005 §3.2.5 +CMS ERROR
 * and TS 27.007 §9.2 +CME ERROR names are lib/sms_err.h's), the message
 * store and the network side (+CMGS submission, +CMT/+CMTI/+CDS/+CDSI,
 * +CNMA).
 *
 * PDU mode only (AT+CMGF=0): AT+CMGF=1 is refused with +CMS ERROR: 303.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "hex.h"
#include "log.h"
#include "modem.h"
#include "sms_err.h"

#define STORE_SIZE(m) ((m)->cfg->store_size)

struct cmgs_wait {
	struct modem *m;
};

static const char *const mem_names[MEM_COUNT] = { "SM", "ME" };

/* The fixed PUK of the simulated SIM (docs/NETSIM.md). */
static const char sim_puk[] = "12345678";

int64_t
modem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output (V.250 §5.7.1: V1 <cr><lf>text<cr><lf>, V0 text<cr><lf>) ---- */

static void
put(struct modem *m, const char *s)
{
	modem_write(m, s, strlen(s));
}

/* One line of information text. */
static void info(struct modem *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
info(struct modem *m, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (m->verbose)
		put(m, "\r\n");
	put(m, buf);
	put(m, "\r\n");
}

void
modem_final(struct modem *m, int result)
{
	char buf[96];
	unsigned n;

	if (m->quiet)
		return;
	if (result == AT_R_OK) {
		put(m, m->verbose ? "\r\nOK\r\n" : "0\r");
		return;
	}
	if (result >= AT_R_CME_BASE && m->cmee == 0)
		result = AT_R_ERROR;
	if (result == AT_R_ERROR || result < 0) {
		put(m, m->verbose ? "\r\nERROR\r\n" : "4\r");
		return;
	}
	if (result >= AT_R_CME_BASE) {
		n = (unsigned)(result - AT_R_CME_BASE);
		if (m->cmee == 2)
			snprintf(buf, sizeof(buf), "+CME ERROR: %s",
			    stk_cme_error_name(n));
		else
			snprintf(buf, sizeof(buf), "+CME ERROR: %u", n);
	} else {
		n = (unsigned)(result - AT_R_CMS_BASE);
		if (m->cmee == 2)
			snprintf(buf, sizeof(buf), "+CMS ERROR: %s",
			    stk_cms_error_name(n));
		else
			snprintf(buf, sizeof(buf), "+CMS ERROR: %u", n);
	}
	if (m->verbose)
		put(m, "\r\n");
	put(m, buf);
	put(m, m->verbose ? "\r\n" : "\r");
}

/* ---- state ---- */

void
modem_reset(struct modem *m, bool power_on)
{
	/* ATZ / AT&F: the profile; power on also resets the SIM. */
	m->echo = true;
	m->verbose = true;
	m->quiet = false;
	m->cmee = 0;
	memset(m->cnmi, 0, sizeof(m->cnmi));
	m->cnmi[0] = 1;		/* URCs on; mt 0: stored silently */
	m->in.s3 = '\r';
	m->in.s5 = '\b';
	m->creg_n = 0;
	if (power_on) {
		m->csms = 0;
		m->cfun = 1;
		m->pin_ok = m->cfg->pin[0] == '\0';
		m->pin_tries = 3;
		m->puk_needed = false;
		m->sim_busy_until_ms = 0;
		memcpy(m->sca, m->cfg->sca, sizeof(m->sca));
		snprintf(m->cscs, sizeof(m->cscs), "GSM");
		m->mem[0] = m->mem[1] = m->mem[2] = MEM_SM;
	}
}

/* SIM checks for commands that need the SIM (TS 27.007 §8.3). */
static int
sim_ready(struct modem *m, bool cms)
{
	if (m->puk_needed)
		return cms ? AT_CMS(316) : AT_CME(12);
	if (!m->pin_ok)
		return cms ? AT_CMS(311) : AT_CME(11);
	if (modem_now_ms() < m->sim_busy_until_ms)
		return cms ? AT_CMS(314) : AT_CME(14);
	return AT_R_OK;
}

static size_t
store_used(const struct modem *m, unsigned mem)
{
	size_t i, n = 0;

	for (i = 0; i < STORE_SIZE(m); i++)
		n += m->store[mem][i].used;
	return n;
}

/* Store a received PDU in mem3; returns the 1-based index or 0 if full. */
static unsigned
store_add(struct modem *m, const uint8_t *pdu, size_t len, size_t tpdu_len)
{
	unsigned mem = m->mem[2];
	size_t i;

	if (len > sizeof(m->store[0][0].pdu))
		return 0;
	for (i = 0; i < STORE_SIZE(m); i++) {
		struct modem_slot *s = &m->store[mem][i];

		if (!s->used) {
			s->used = true;
			s->stat = STAT_REC_UNREAD;
			s->len = len;
			s->tpdu_len = tpdu_len;
			memcpy(s->pdu, pdu, len);
			return (unsigned)i + 1;
		}
	}
	return 0;
}

/* ---- parameters ---- */

static int
params(const struct at_cmd *c, struct at_param *p, size_t min, size_t max)
{
	int n = at_split_params(c->args, c->args_len, p, AT_MAX_PARAMS);

	if (n < 0 || (size_t)n < min || (size_t)n > max)
		return -1;
	return n;
}

static bool
num_param(const struct at_param *p, unsigned long lo, unsigned long hi,
    unsigned long *v)
{
	if (p->type != AT_P_NUM || p->num < lo || p->num > hi)
		return false;
	*v = p->num;
	return true;
}

static int
mem_index(const struct at_param *p)
{
	unsigned i;

	if (p->type != AT_P_STR)
		return -1;
	for (i = 0; i < MEM_COUNT; i++)
		if (strcmp(p->str, mem_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- handlers ---- */

typedef int (*at_handler)(struct modem *m, const struct at_cmd *c);

static int
h_ok(struct modem *m, const struct at_cmd *c)
{
	(void)m;
	(void)c;
	return AT_R_OK;
}

static int
h_echo(struct modem *m, const struct at_cmd *c)
{
	if (c->has_num && c->num > 1)
		return AT_R_ERROR;
	m->echo = c->has_num && c->num == 1;
	return AT_R_OK;
}

static int
h_verbose(struct modem *m, const struct at_cmd *c)
{
	if (c->has_num && c->num > 1)
		return AT_R_ERROR;
	m->verbose = c->has_num && c->num == 1;
	return AT_R_OK;
}

static int
h_quiet(struct modem *m, const struct at_cmd *c)
{
	if (c->has_num && c->num > 1)
		return AT_R_ERROR;
	m->quiet = c->has_num && c->num == 1;
	return AT_R_OK;
}

static int
h_reset(struct modem *m, const struct at_cmd *c)
{
	if (c->has_num && c->num != 0)
		return AT_R_ERROR;
	modem_reset(m, false);
	return AT_R_OK;
}

static int
h_ident(struct modem *m, const struct at_cmd *c)
{
	if (c->has_num && c->num > 0)
		return AT_R_OK;
	info(m, "stkauth netsim modem %s", m->cfg->name);
	return AT_R_OK;
}

/* S3, S4, S5 (V.250 §6.2.1-6.2.3); other registers read 0. */
static int
h_sreg(struct modem *m, const struct at_cmd *c)
{
	unsigned long v = 0;
	size_t i;

	if (c->form == AT_FORM_READ) {
		v = c->num == 3 ? m->in.s3 : c->num == 4 ? '\n' :
		    c->num == 5 ? m->in.s5 : 0;
		info(m, "%03lu", v);
		return AT_R_OK;
	}
	/* The parser checked the value text: at most 10 digits. */
	for (i = 0; i < c->args_len; i++)
		v = v * 10 + (unsigned long)(c->args[i] - '0');
	if (v > 127)
		return AT_R_ERROR;
	if (c->num == 3)
		m->in.s3 = (uint8_t)v;
	else if (c->num == 5)
		m->in.s5 = (uint8_t)v;
	else if (c->num != 4 && c->num != 0 && c->num != 7)
		return AT_R_ERROR;
	return AT_R_OK;
}

static int
h_cgmi(struct modem *m, const struct at_cmd *c)
{
	(void)c;
	info(m, "stkauth");
	return AT_R_OK;
}

static int
h_cgmm(struct modem *m, const struct at_cmd *c)
{
	(void)c;
	info(m, "netsim-modem");
	return AT_R_OK;
}

static int
h_cgmr(struct modem *m, const struct at_cmd *c)
{
	(void)c;
	info(m, "1.0");
	return AT_R_OK;
}

static int
h_cgsn(struct modem *m, const struct at_cmd *c)
{
	(void)c;
	info(m, "%s", m->cfg->imei);
	return AT_R_OK;
}

static int
h_cimi(struct modem *m, const struct at_cmd *c)
{
	int r;

	(void)c;
	if ((r = sim_ready(m, false)) != AT_R_OK)
		return r;
	info(m, "%s", m->cfg->imsi);
	return AT_R_OK;
}

static int
h_gcap(struct modem *m, const struct at_cmd *c)
{
	(void)c;
	info(m, "+GCAP: +CGSM");
	return AT_R_OK;
}

static int
h_cmee(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long v;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CMEE: (0-2)");
	} else if (c->form == AT_FORM_READ) {
		info(m, "+CMEE: %u", m->cmee);
	} else {
		if (params(c, p, 1, 1) < 0 || !num_param(&p[0], 0, 2, &v))
			return AT_CME(3);
		m->cmee = (unsigned)v;
	}
	return AT_R_OK;
}

static int
h_cpin(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[2];
	int n;

	if (c->form == AT_FORM_TEST)
		return AT_R_OK;
	if (c->form == AT_FORM_READ) {
		info(m, "+CPIN: %s", m->puk_needed ? "SIM PUK" :
		    m->pin_ok ? "READY" : "SIM PIN");
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 2)) < 0 || p[0].type != AT_P_STR ||
	    (n == 2 && p[1].type != AT_P_STR))
		return AT_CME(3);
	if (m->puk_needed) {
		/* +CPIN=<puk>,<newpin> (TS 27.007 §8.3). */
		if (n != 2 || p[1].len < 4 || p[1].len > 8)
			return AT_CME(3);
		if (strcmp(p[0].str, sim_puk) != 0)
			return AT_CME(16);
		memcpy(m->cfg->pin, p[1].str, p[1].len + 1);
		m->puk_needed = false;
	} else if (m->pin_ok) {
		return AT_CME(3);	/* no PIN asked for */
	} else if (strcmp(p[0].str, m->cfg->pin) != 0) {
		if (--m->pin_tries == 0)
			m->puk_needed = true;
		return AT_CME(16);
	}
	m->pin_ok = true;
	m->pin_tries = 3;
	/* Fault: the SIM is busy for a while after the PIN (reading its
	 * files), as real modules are. */
	m->sim_busy_until_ms = modem_now_ms() + m->cfg->faults.sim_busy_ms;
	modem_update_up(m);
	return AT_R_OK;
}

static int
h_csq(struct modem *m, const struct at_cmd *c)
{
	if (c->form == AT_FORM_TEST)
		info(m, "+CSQ: (0-31,99),(0-7,99)");
	else
		info(m, "+CSQ: %u,99", m->cfun == 1 ? m->cfg->rssi : 99);
	return AT_R_OK;
}

static unsigned
reg_state(const struct modem *m)
{
	/* 1 registered, home network; 0 not registered (TS 27.007 §7.2). */
	return m->cfun == 1 && m->pin_ok ? 1 : 0;
}

static int
h_creg(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long v;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CREG: (0-1)");
	} else if (c->form == AT_FORM_READ) {
		info(m, "+CREG: %u,%u", m->creg_n, reg_state(m));
	} else {
		if (params(c, p, 1, 1) < 0 || !num_param(&p[0], 0, 1, &v))
			return AT_CME(3);
		m->creg_n = (unsigned)v;
	}
	return AT_R_OK;
}

static int
h_cfun(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[2];
	unsigned long v, rst = 0;
	int n;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CFUN: (0,1,4),(0-1)");
		return AT_R_OK;
	}
	if (c->form == AT_FORM_READ) {
		info(m, "+CFUN: %u", m->cfun);
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 2)) < 0 || !num_param(&p[0], 0, 4, &v) ||
	    v == 2 || v == 3 || (n == 2 && !num_param(&p[1], 0, 1, &rst)))
		return AT_CME(3);
	if (rst == 1)
		modem_reset(m, true);
	m->cfun = (unsigned)v;
	modem_update_up(m);
	return AT_R_OK;
}

static int
h_cscs(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];

	if (c->form == AT_FORM_TEST) {
		info(m, "+CSCS: (\"GSM\",\"IRA\",\"UCS2\")");
	} else if (c->form == AT_FORM_READ) {
		info(m, "+CSCS: \"%s\"", m->cscs);
	} else {
		if (params(c, p, 1, 1) < 0 || p[0].type != AT_P_STR ||
		    (strcmp(p[0].str, "GSM") && strcmp(p[0].str, "IRA") &&
		    strcmp(p[0].str, "UCS2")))
			return AT_CME(3);
		memcpy(m->cscs, p[0].str, p[0].len + 1);
	}
	return AT_R_OK;
}

static int
h_csms(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long v;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CSMS: (0,1)");
	} else if (c->form == AT_FORM_READ) {
		info(m, "+CSMS: %u,1,1,1", m->csms);
	} else {
		if (params(c, p, 1, 1) < 0 || !num_param(&p[0], 0, 1, &v))
			return AT_CMS(302);
		m->csms = (unsigned)v;
		info(m, "+CSMS: 1,1,1");
	}
	return AT_R_OK;
}

static int
h_cmgf(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];

	if (c->form == AT_FORM_TEST) {
		info(m, "+CMGF: (0)");
	} else if (c->form == AT_FORM_READ) {
		info(m, "+CMGF: 0");
	} else {
		if (params(c, p, 1, 1) < 0 || p[0].type != AT_P_NUM)
			return AT_CMS(302);
		/* Text mode is not supported (TS 27.005 §3.2.3). */
		if (p[0].num != 0)
			return AT_CMS(303);
	}
	return AT_R_OK;
}

static int
h_csca(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[2];
	struct stk_sms_addr a;
	int r, n;

	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	if (c->form == AT_FORM_TEST)
		return AT_R_OK;
	if (c->form == AT_FORM_READ) {
		info(m, "+CSCA: \"%s\",%u", m->sca, m->sca[0] == '+' ? 145 : 129);
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 2)) < 0 || p[0].type != AT_P_STR ||
	    p[0].len == 0 || p[0].len > 21 ||
	    stk_sms_addr_from_text(p[0].str, &a) != 0 ||
	    a.ton == STK_TON_ALPHANUMERIC)
		return AT_CMS(304);
	memcpy(m->sca, p[0].str, p[0].len + 1);
	return AT_R_OK;
}

static int
h_cpms(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[3];
	int n, i, k;
	int r;

	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	if (c->form == AT_FORM_TEST) {
		info(m, "+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")");
		return AT_R_OK;
	}
	if (c->form == AT_FORM_READ) {
		info(m, "+CPMS: \"%s\",%zu,%u,\"%s\",%zu,%u,\"%s\",%zu,%u",
		    mem_names[m->mem[0]], store_used(m, m->mem[0]),
		    STORE_SIZE(m), mem_names[m->mem[1]],
		    store_used(m, m->mem[1]), STORE_SIZE(m),
		    mem_names[m->mem[2]], store_used(m, m->mem[2]),
		    STORE_SIZE(m));
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 3)) < 0)
		return AT_CMS(302);
	for (i = 0; i < n; i++)
		if (p[i].type != AT_P_OMITTED && mem_index(&p[i]) < 0)
			return AT_CMS(302);
	for (i = 0; i < n; i++)
		if ((k = mem_index(&p[i])) >= 0)
			m->mem[i] = (uint8_t)k;
	info(m, "+CPMS: %zu,%u,%zu,%u,%zu,%u", store_used(m, m->mem[0]),
	    STORE_SIZE(m), store_used(m, m->mem[1]), STORE_SIZE(m),
	    store_used(m, m->mem[2]), STORE_SIZE(m));
	return AT_R_OK;
}

static int
h_cnmi(struct modem *m, const struct at_cmd *c)
{
	/* Supported values of <mode>,<mt>,<bm>,<ds>,<bfr> (§3.4.1). */
	static const unsigned long max[5] = { 3, 3, 0, 2, 1 };
	struct at_param p[5];
	unsigned v[5];
	unsigned long x;
	int n, i;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CNMI: (0-3),(0-3),(0),(0-2),(0,1)");
		return AT_R_OK;
	}
	if (c->form == AT_FORM_READ) {
		info(m, "+CNMI: %u,%u,%u,%u,%u", m->cnmi[0], m->cnmi[1],
		    m->cnmi[2], m->cnmi[3], m->cnmi[4]);
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 5)) < 0)
		return AT_CMS(302);
	memcpy(v, m->cnmi, sizeof(v));
	for (i = 0; i < n; i++) {
		if (p[i].type == AT_P_OMITTED)
			continue;
		if (!num_param(&p[i], 0, max[i], &x))
			return AT_CMS(303);
		v[i] = (unsigned)x;
	}
	memcpy(m->cnmi, v, sizeof(v));
	return AT_R_OK;
}

/* Print one stored message in PDU mode. */
static void
print_pdu(struct modem *m, const char *prefix, const struct modem_slot *s)
{
	char hex[2 * sizeof(s->pdu) + 1];

	stk_hex_format(hex, s->pdu, s->len, 1);
	if (m->verbose)
		put(m, "\r\n");
	{
		char head[64];

		snprintf(head, sizeof(head), "%s%u,,%zu\r\n", prefix, s->stat,
		    s->tpdu_len);
		put(m, head);
	}
	put(m, hex);
	put(m, "\r\n");
}

static int
h_cmgr(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long idx;
	struct modem_slot *s;
	int r;

	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	if (c->form == AT_FORM_TEST)
		return AT_R_OK;
	if (params(c, p, 1, 1) < 0 ||
	    !num_param(&p[0], 1, STORE_SIZE(m), &idx))
		return AT_CMS(321);
	s = &m->store[m->mem[0]][idx - 1];
	if (!s->used)
		return AT_CMS(321);
	print_pdu(m, "+CMGR: ", s);
	if (s->stat == STAT_REC_UNREAD)
		s->stat = STAT_REC_READ;
	return AT_R_OK;
}

static int
h_cmgl(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long stat = STAT_REC_UNREAD;
	char prefix[32];
	size_t i;
	int r;

	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	if (c->form == AT_FORM_TEST) {
		info(m, "+CMGL: (0-4)");
		return AT_R_OK;
	}
	if (c->form == AT_FORM_SET &&
	    (params(c, p, 1, 1) < 0 || !num_param(&p[0], 0, 4, &stat)))
		return AT_CMS(302);
	for (i = 0; i < STORE_SIZE(m); i++) {
		struct modem_slot *s = &m->store[m->mem[0]][i];

		if (!s->used || (stat != STAT_ALL && s->stat != stat))
			continue;
		snprintf(prefix, sizeof(prefix), "+CMGL: %zu,", i + 1);
		print_pdu(m, prefix, s);
		if (s->stat == STAT_REC_UNREAD)
			s->stat = STAT_REC_READ;
	}
	return AT_R_OK;
}

static int
h_cmgd(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[2];
	unsigned long idx = 0, flag = 0;
	size_t i;
	int n, r;

	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	if (c->form == AT_FORM_TEST) {
		char list[4 * NS_MODEM_STORE_MAX + 4];
		size_t k = 0;

		list[0] = '\0';
		for (i = 0; i < STORE_SIZE(m); i++)
			if (m->store[m->mem[0]][i].used)
				k += (size_t)snprintf(list + k, sizeof(list) - k,
				    "%s%zu", k ? "," : "", i + 1);
		info(m, "+CMGD: (%s),(0-4)", list);
		return AT_R_OK;
	}
	if ((n = params(c, p, 1, 2)) < 0 ||
	    (n == 2 && !num_param(&p[1], 0, 4, &flag)))
		return AT_CMS(302);
	if (flag == 0) {
		if (!num_param(&p[0], 1, STORE_SIZE(m), &idx) ||
		    !m->store[m->mem[0]][idx - 1].used)
			return AT_CMS(321);
		m->store[m->mem[0]][idx - 1].used = false;
		return AT_R_OK;
	}
	/* TS 27.005 §3.5.4 <delflag> 1..4: bulk deletion by status. */
	for (i = 0; i < STORE_SIZE(m); i++) {
		struct modem_slot *s = &m->store[m->mem[0]][i];

		if (s->used && (flag == 4 || s->stat == STAT_REC_READ ||
		    (flag >= 2 && s->stat == STAT_STO_SENT) ||
		    (flag >= 3 && s->stat == STAT_STO_UNSENT)))
			s->used = false;
	}
	return AT_R_OK;
}

static int
h_cmgs(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[1];
	unsigned long len;
	int r;

	if (c->form == AT_FORM_TEST)
		return AT_R_OK;
	if ((r = sim_ready(m, true)) != AT_R_OK)
		return r;
	/* <length>: TPDU octets without the SC address, §3.5.1. */
	if (params(c, p, 1, 1) < 0 || !num_param(&p[0], 7, 164, &len))
		return AT_CMS(304);
	m->cmgs_len = (unsigned)len;
	put(m, "\r\n> ");
	at_input_pdu(&m->in);
	return AT_R_ASYNC;
}

static int
h_cnma(struct modem *m, const struct at_cmd *c)
{
	struct at_param p[2];
	unsigned long n = 0;
	struct ns_delivery *d;

	if (c->form == AT_FORM_TEST) {
		info(m, "+CNMA: (0-2)");
		return AT_R_OK;
	}
	if (m->csms != 1 || m->cnma_d == NULL)
		return AT_CMS(340);
	if (c->form == AT_FORM_SET &&
	    (params(c, p, 1, 2) < 0 || !num_param(&p[0], 0, 2, &n)))
		return AT_CMS(304);
	d = m->cnma_d;
	m->cnma_d = NULL;
	event_del(m->cnma_timer);
	/* 0, 1: RP-ACK; 2: RP-ERROR (TS 27.005 §3.4.4); the optional
	 * SMS-DELIVER-REPORT PDU entry is not supported. */
	ns_delivery_done(d, n == 2 ? NS_RP_PROTOCOL_ERROR : 0, NULL, 0);
	return AT_R_OK;
}

static const struct at_entry {
	const char *name;
	unsigned forms;
	at_handler fn;
} at_table[] = {
	{ "E", AT_FORM_EXEC, h_echo },
	{ "V", AT_FORM_EXEC, h_verbose },
	{ "Q", AT_FORM_EXEC, h_quiet },
	{ "Z", AT_FORM_EXEC, h_reset },
	{ "&F", AT_FORM_EXEC, h_reset },
	{ "I", AT_FORM_EXEC, h_ident },
	{ "X", AT_FORM_EXEC, h_ok },
	{ "L", AT_FORM_EXEC, h_ok },
	{ "M", AT_FORM_EXEC, h_ok },
	{ "&C", AT_FORM_EXEC, h_ok },
	{ "&D", AT_FORM_EXEC, h_ok },
	{ "S", AT_FORM_READ | AT_FORM_SET, h_sreg },
	{ "+CGMI", AT_FORM_EXEC | AT_FORM_TEST, h_cgmi },
	{ "+GMI", AT_FORM_EXEC | AT_FORM_TEST, h_cgmi },
	{ "+CGMM", AT_FORM_EXEC | AT_FORM_TEST, h_cgmm },
	{ "+GMM", AT_FORM_EXEC | AT_FORM_TEST, h_cgmm },
	{ "+CGMR", AT_FORM_EXEC | AT_FORM_TEST, h_cgmr },
	{ "+GMR", AT_FORM_EXEC | AT_FORM_TEST, h_cgmr },
	{ "+CGSN", AT_FORM_EXEC | AT_FORM_TEST, h_cgsn },
	{ "+GSN", AT_FORM_EXEC | AT_FORM_TEST, h_cgsn },
	{ "+CIMI", AT_FORM_EXEC | AT_FORM_TEST, h_cimi },
	{ "+GCAP", AT_FORM_EXEC, h_gcap },
	{ "+CMEE", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cmee },
	{ "+CPIN", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cpin },
	{ "+CSQ", AT_FORM_EXEC | AT_FORM_TEST, h_csq },
	{ "+CREG", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_creg },
	{ "+CFUN", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cfun },
	{ "+CSCS", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cscs },
	{ "+CSMS", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_csms },
	{ "+CMGF", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cmgf },
	{ "+CSCA", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_csca },
	{ "+CPMS", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cpms },
	{ "+CNMI", AT_FORM_TEST | AT_FORM_READ | AT_FORM_SET, h_cnmi },
	{ "+CMGR", AT_FORM_TEST | AT_FORM_SET, h_cmgr },
	{ "+CMGL", AT_FORM_EXEC | AT_FORM_TEST | AT_FORM_SET, h_cmgl },
	{ "+CMGD", AT_FORM_TEST | AT_FORM_SET, h_cmgd },
	{ "+CMGS", AT_FORM_TEST | AT_FORM_SET, h_cmgs },
	{ "+CNMA", AT_FORM_EXEC | AT_FORM_TEST | AT_FORM_SET, h_cnma },
};

/* The table entry of a command (S-parameters are all "S"). */
static const struct at_entry *
lookup(const struct at_cmd *c)
{
	size_t i;

	for (i = 0; i < sizeof(at_table) / sizeof(at_table[0]); i++)
		if (strcmp(at_table[i].name, c->name) == 0)
			return &at_table[i];
	return NULL;
}

void
modem_run_line(struct modem *m, const char *line, size_t len)
{
	struct at_cmdline cl;
	const struct at_entry *e;
	size_t i;
	int rc, r = AT_R_OK;

	if (len == 0)
		return;		/* an empty line is ignored (V.250 §5.2.1) */
	rc = at_parse_line(line, len, &cl);
	if (rc != AT_PARSE_OK) {
		log_debug("netsim: modem %s: bad command line (%d)",
		    m->cfg->name, rc);
		modem_final(m, AT_R_ERROR);
		return;
	}
	for (i = 0; i < cl.ncmds; i++) {
		const struct at_cmd *c = &cl.cmd[i];

		if ((e = lookup(c)) == NULL || !(e->forms & c->form)) {
			log_debug("netsim: modem %s: %s not supported in "
			    "that form", m->cfg->name, c->name);
			r = c->extended ? AT_CME(4) : AT_R_ERROR;
			/* Unknown commands are plain ERROR (V.250 §5.6). */
			if (e == NULL)
				r = AT_R_ERROR;
			break;
		}
		r = e->fn(m, c);
		if (r != AT_R_OK)
			break;
	}
	if (r != AT_R_ASYNC)
		modem_final(m, r);
}

/* ---- +CMGS: the PDU and the network's answer ---- */

static void
cmgs_result(struct ns_entity *from, const struct ns_submit_result *r,
    void *arg)
{
	struct cmgs_wait *w = arg;
	struct modem *m = w->m;

	(void)from;
	if (m->cmgs != w) {
		free(w);	/* the client that asked has gone */
		return;
	}
	m->cmgs = NULL;
	free(w);
	if (r->rp_cause != 0) {
		/* TS 27.005 §3.2.5: values 0-127 are TS 24.011 RP causes. */
		modem_final(m, AT_CMS(r->rp_cause));
		return;
	}
	info(m, "+CMGS: %u", r->mr);
	modem_final(m, AT_R_OK);
}

void
modem_pdu_event(struct modem *m, enum at_event ev, const char *hex,
    size_t len)
{
	struct stk_buf b;
	struct stk_tpdu t;
	struct stk_sms_addr sca;
	struct stk_diag diag;
	struct stk_cur c;
	bool sca_present;
	uint8_t scalen;
	int result = AT_R_OK;
	char dbuf[128];

	(void)len;
	stk_buf_init(&b);
	if (ev == AT_EV_PDU_ABORT) {
		/* ESC cancels the sending (§3.5.1): no result code beyond
		 * OK. */
		goto out;
	}
	if (ev == AT_EV_PDU_TOO_LONG || stk_hex_decode(hex, &b) != 0 ||
	    stk_buf_len(&b) == 0) {
		result = AT_CMS(304);
		goto out;
	}
	/* The SC address octets do not count in <length> (§3.5.1). */
	stk_cur_init(&c, stk_buf_data(&b), stk_buf_len(&b));
	if (!stk_cur_peek_u8(&c, &scalen) ||
	    stk_buf_len(&b) != 1u + scalen + m->cmgs_len) {
		log_info("netsim: modem %s: PDU of %zu octets does not match "
		    "AT+CMGS=%u", m->cfg->name, stk_buf_len(&b), m->cmgs_len);
		result = AT_CMS(304);
		goto out;
	}
	stk_diag_clear(&diag);
	if (stk_tpdu_decode_with_sca(stk_buf_data(&b), stk_buf_len(&b),
	    STK_DIR_MS_TO_SC, &sca, &sca_present, &t, &diag) != 0 ||
	    t.type != STK_TPDU_SUBMIT) {
		log_info("netsim: modem %s: bad SMS-SUBMIT: %s", m->cfg->name,
		    diag.err ? stk_diag_format(&diag, dbuf, sizeof(dbuf)) :
		    "not an SMS-SUBMIT");
		result = AT_CMS(304);
		goto out;
	}
	if (m->cfg->faults.cms_error_pct > 0 &&
	    ns_rand_pct(m->ns) < m->cfg->faults.cms_error_pct) {
		const struct ns_modem_faults *f = &m->cfg->faults;
		unsigned code = f->ncms_codes ?
		    f->cms_codes[m->cms_fault_next++ % f->ncms_codes] : 500;
		char labels[96];

		snprintf(labels, sizeof(labels), "fault=\"cms_error\","
		    "modem=\"%s\"", m->cfg->name);
		ns_metric_add(m->ns, "netsim_faults_injected_total", labels, 1);
		log_info("netsim: fault: modem %s answers +CMS ERROR: %u",
		    m->cfg->name, code);
		result = AT_CMS(code);
		goto out;
	}
	if (m->cfun != 1) {
		result = AT_CMS(331);
		goto out;
	}
	if ((m->cmgs = calloc(1, sizeof(*m->cmgs))) == NULL) {
		result = AT_CMS(300);
		goto out;
	}
	m->cmgs->m = m;
	if (ns_submit(m->e, &m->addr, &t, cmgs_result, m->cmgs) != 0) {
		free(m->cmgs);
		m->cmgs = NULL;
		result = AT_CMS(500);
		goto out;
	}
	result = AT_R_ASYNC;
out:
	stk_buf_free(&b);
	if (result != AT_R_ASYNC)
		modem_final(m, result);
	if (m->held != NULL && evbuffer_get_length(m->held) > 0 &&
	    !m->in.pdu_mode) {
		size_t n = evbuffer_get_length(m->held);
		unsigned char *p = evbuffer_pullup(m->held, -1);

		modem_write(m, p, n);
		evbuffer_drain(m->held, n);
	}
}

/* ---- MT into the modem (TS 27.005 §3.4.1 +CNMI routing) ---- */

void
modem_cnma_timeout(struct modem *m)
{
	struct ns_delivery *d = m->cnma_d;

	if (d == NULL)
		return;
	m->cnma_d = NULL;
	log_info("netsim: modem %s: no +CNMA, RP-ERROR to the network",
	    m->cfg->name);
	/* The ME sends RP-ERROR when the TE does not acknowledge (§3.4.4).
	 * Memory capacity exceeded keeps the message for a retry. */
	ns_delivery_done(d, NS_RP_MEMORY_EXCEEDED, NULL, 0);
}

int
modem_deliver(struct ns_entity *e, struct ns_delivery *d)
{
	struct modem *m = ns_entity_ctx(e);
	struct stk_buf b;
	struct stk_sms_addr sca;
	bool sr = d->kind == NS_DLV_STATUS_REPORT;
	unsigned route = sr ? m->cnmi[3] : m->cnmi[1];
	unsigned idx, cls = 4;
	size_t tpdu_len;
	char *hex = NULL, text[640];
	int rc = 0;

	stk_buf_init(&b);
	if (stk_sms_addr_from_text(m->sca, &sca) != 0 ||
	    stk_smsc_addr_encode(&sca, &b) != 0) {
		rc = NS_RP_RESOURCES_UNAVAILABLE;
		goto out;
	}
	tpdu_len = stk_buf_len(&b);
	if (stk_tpdu_encode(&d->tpdu, &b) != 0) {
		rc = NS_RP_RESOURCES_UNAVAILABLE;
		goto out;
	}
	tpdu_len = stk_buf_len(&b) - tpdu_len;
	if (!sr && (d->tpdu.dcs & 0xd0) == 0x10)
		cls = d->tpdu.dcs & 3;	/* TS 23.038 §4 general coding class */
	else if (!sr && (d->tpdu.dcs & 0xf0) == 0xf0)
		cls = d->tpdu.dcs & 3;
	if (sr && route == 0) {
		/* No status reports wanted by the TE: acknowledged. */
		ns_delivery_done(d, 0, NULL, 0);
		goto out;
	}
	/* <mt> 2 (class 3 too with 3) and <ds> 1 go to the TE; <ds> 2 is
	 * stored and announced with +CDSI (TS 27.005 §3.4.1). */
	if (m->cnmi[0] != 0 && (sr ? route == 1 :
	    (route == 2 || (route == 3 && cls == 3)))) {
		/* Routed to the TE: +CMT / +CDS (§3.4.1, §3.4.3 / §3.4.4). */
		if (m->csms == 1 && m->cnma_d != NULL) {
			rc = NS_RP_MEMORY_EXCEEDED;
			goto out;
		}
		if ((hex = stk_hex_string(stk_buf_data(&b), stk_buf_len(&b),
		    1)) == NULL) {
			rc = NS_RP_RESOURCES_UNAVAILABLE;
			goto out;
		}
		if (sr)
			snprintf(text, sizeof(text), "+CDS: %zu\r\n%s",
			    tpdu_len, hex);
		else
			snprintf(text, sizeof(text), "+CMT: ,%zu\r\n%s",
			    tpdu_len, hex);
		modem_urc(m, text);
		if (m->csms == 1) {
			struct timeval tv = {
			    (time_t)ns_config(m->ns)->mt_ack_timeout_s, 0 };

			m->cnma_d = d;
			evtimer_add(m->cnma_timer, &tv);
		} else {
			ns_delivery_done(d, 0, NULL, 0);
		}
		goto out;
	}
	/* Stored in <mem3>, announced with +CMTI / +CDSI when asked. */
	if ((idx = store_add(m, stk_buf_data(&b), stk_buf_len(&b),
	    tpdu_len)) == 0) {
		log_info("netsim: modem %s: store full", m->cfg->name);
		rc = NS_RP_MEMORY_EXCEEDED;
		goto out;
	}
	if (m->cnmi[0] != 0 && (sr ? route == 2 : route != 0)) {
		snprintf(text, sizeof(text), "%s: \"%s\",%u",
		    sr ? "+CDSI" : "+CMTI", mem_names[m->mem[2]], idx);
		modem_urc(m, text);
	}
	ns_delivery_done(d, 0, NULL, 0);
out:
	free(hex);
	stk_buf_free(&b);
	return rc;
}
