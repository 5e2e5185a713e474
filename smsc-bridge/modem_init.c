/*
 * modem_init.c - the init sequence of a modem, one table row per step:
 * the command, what to take from its information lines, and what its
 * final result means.  TS 27.007 §8.3 (+CPIN), §9.1 (+CMEE); TS 27.005
 * §3.2.1 (+CSMS), §3.2.3 (+CMGF), §3.3.1 (+CSCA), §3.2.2 (+CPMS), §3.4.1
 * (+CNMI).  V.250 §6.1.1 (Z), §6.2.4 (E).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "log.h"
#include "modem_engine_priv.h"
#include "modem_err.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The +CPIN: <code> answers we act on (TS 27.007 §8.3). */
enum pin_state { PIN_UNKNOWN = 0, PIN_READY, PIN_SIM_PIN, PIN_SIM_PUK,
	PIN_OTHER };

static int pin_state_of(const char *code);

static bool
is_cme(const struct mat_event *ev, int code)
{
	return ev->kind == MAT_CME_ERROR && ev->code == code;
}

static bool
is_cms(const struct mat_event *ev, int code)
{
	return ev->kind == MAT_CMS_ERROR && ev->code == code;
}

/* SIM busy (TS 27.005 314, TS 27.007 14) or not ready yet (515 is the
 * common manufacturer code for "please wait, init in progress"). */
static bool
sim_busy(const struct mat_event *ev)
{
	return is_cme(ev, 14) || is_cms(ev, 314) || is_cms(ev, 515) ||
	    is_cme(ev, 515);
}

static void
describe(struct modem_engine *e, const struct mat_event *ev)
{
	char buf[96];

	if (ev->kind == MAT_CMS_ERROR || ev->kind == MAT_CME_ERROR)
		snprintf(e->why, sizeof(e->why), "init step \"%s\": %s",
		    me_init_step_name(e->step), ev->code < 0 ? ev->line :
		    modem_err_format(buf, sizeof(buf),
		    ev->kind == MAT_CMS_ERROR, (unsigned)ev->code));
	else
		snprintf(e->why, sizeof(e->why), "init step \"%s\": %s",
		    me_init_step_name(e->step), ev->line);
}

/* ---- per-step commands ---- */

static bool
cmd_fixed(struct modem_engine *e, char *buf, size_t n, const char *text)
{
	(void)e;
	snprintf(buf, n, "%s", text);
	return true;
}

static bool
c_reset(struct modem_engine *e, char *b, size_t n)
{
	return cmd_fixed(e, b, n, "ATZ");
}

static bool
c_echo(struct modem_engine *e, char *b, size_t n)
{
	return cmd_fixed(e, b, n, "ATE0V1");
}

static bool
c_cmee(struct modem_engine *e, char *b, size_t n)
{
	return cmd_fixed(e, b, n, "AT+CMEE=1");
}

static bool
c_cpin_read(struct modem_engine *e, char *b, size_t n)
{
	e->sim_ready = false;
	return cmd_fixed(e, b, n, "AT+CPIN?");
}

static bool
c_cpin_set(struct modem_engine *e, char *b, size_t n)
{
	if (e->sim_ready)
		return false;
	snprintf(b, n, "AT+CPIN=\"%s\"", e->p.pin);
	return true;
}

static bool
c_cmgf(struct modem_engine *e, char *b, size_t n)
{
	return cmd_fixed(e, b, n, "AT+CMGF=0");
}

static bool
c_csms(struct modem_engine *e, char *b, size_t n)
{
	e->csms1 = false;
	/* Only direct routing (+CMT, +CDS) needs the TE's +CNMA. */
	if (e->p.mt != ME_MT_CMT && e->p.ds != ME_DS_CDS)
		return false;
	return cmd_fixed(e, b, n, "AT+CSMS=1");
}

static bool
c_csca(struct modem_engine *e, char *b, size_t n)
{
	if (e->p.smsc[0] == '\0')
		return cmd_fixed(e, b, n, "AT+CSCA?");
	snprintf(b, n, "AT+CSCA=\"%s\",%u", e->p.smsc,
	    e->p.smsc[0] == '+' ? 145 : 129);
	return true;
}

static bool
c_cpms(struct modem_engine *e, char *b, size_t n)
{
	return cmd_fixed(e, b, n, "AT+CPMS=\"SM\",\"SM\",\"SM\"");
}

static bool
c_cnmi(struct modem_engine *e, char *b, size_t n)
{
	/* <mode> 2: URCs buffered while the link is busy, flushed after. */
	snprintf(b, n, "AT+CNMI=2,%d,0,%d,0", (int)e->p.mt, (int)e->p.ds);
	return true;
}

/* ---- information lines ---- */

static int
pin_state_of(const char *code)
{
	static const struct {
		const char *text;
		int state;
	} codes[] = {
		{ "READY", PIN_READY },
		{ "SIM PIN", PIN_SIM_PIN },
		{ "SIM PUK", PIN_SIM_PUK },
	};

	for (size_t i = 0; i < NELEM(codes); i++)
		if (strcasecmp(code, codes[i].text) == 0)
			return codes[i].state;
	return PIN_OTHER;
}

static void
i_cpin(struct modem_engine *e, const struct mat_event *ev)
{
	const char *s = ev->line;

	if (ev->kind != MAT_LINE || strncasecmp(s, "+CPIN:", 6) != 0)
		return;
	s += 6;
	while (*s == ' ')
		s++;
	e->cpin = pin_state_of(s);
	e->sim_ready = e->cpin == PIN_READY;
}

/* +CSCA: <sca>,<tosca>: keep the address for logs and metrics. */
static void
i_csca(struct modem_engine *e, const struct mat_event *ev)
{
	struct stk_cur c;
	size_t n = 0;
	uint8_t b;

	if (ev->kind != MAT_LINE || strncasecmp(ev->line, "+CSCA:", 6) != 0)
		return;
	stk_cur_init(&c, (const uint8_t *)ev->line + 6, strlen(ev->line + 6));
	while (stk_cur_u8(&c, &b) && b != '"')
		;
	while (stk_cur_u8(&c, &b) && b != '"' && n + 1 < sizeof(e->smsc))
		e->smsc[n++] = (char)b;
	e->smsc[n] = '\0';
}

/* ---- final results ---- */

static enum me_step_result
f_must(struct modem_engine *e, const struct mat_event *ev)
{
	if (ev->kind == MAT_OK)
		return STEP_NEXT;
	if (sim_busy(ev))
		return STEP_AGAIN;
	describe(e, ev);
	return STEP_FAIL;
}

static enum me_step_result
f_any(struct modem_engine *e, const struct mat_event *ev)
{
	if (ev->kind != MAT_OK) {
		if (sim_busy(ev))
			return STEP_AGAIN;
		describe(e, ev);
		log_info("modem %s: %s (carrying on)", e->p.name, e->why);
	}
	return STEP_NEXT;
}

static enum me_step_result
f_cpin_read(struct modem_engine *e, const struct mat_event *ev)
{
	int st = e->cpin;

	e->cpin = PIN_UNKNOWN;
	if (ev->kind != MAT_OK) {
		if (is_cme(ev, 11) || is_cms(ev, 311)) {
			st = PIN_SIM_PIN;
		} else if (is_cme(ev, 10) || is_cms(ev, 310)) {
			describe(e, ev);
			return STEP_FAIL;	/* no SIM: try again later */
		} else if (is_cme(ev, 12) || is_cms(ev, 316)) {
			st = PIN_SIM_PUK;
		} else {
			return STEP_AGAIN;	/* busy or not ready yet */
		}
	}
	switch (st) {
	case PIN_READY:
		return STEP_SKIP;
	case PIN_SIM_PIN:
		if (e->pin_sent) {
			snprintf(e->why, sizeof(e->why),
			    "SIM still asks for its PIN after it was given");
			return STEP_FATAL;
		}
		if (e->p.pin[0] == '\0') {
			snprintf(e->why, sizeof(e->why),
			    "SIM PIN required and no pin configured");
			return STEP_FATAL;
		}
		return STEP_NEXT;
	case PIN_SIM_PUK:
		snprintf(e->why, sizeof(e->why), "SIM PUK required");
		return STEP_FATAL;
	default:
		return STEP_AGAIN;	/* not ready yet: ask again */
	}
}

static enum me_step_result
f_cpin_set(struct modem_engine *e, const struct mat_event *ev)
{
	if (ev->kind == MAT_OK) {
		e->pin_sent = true;
		return STEP_REPEAT_PREV;	/* wait for READY */
	}
	if (sim_busy(ev))
		return STEP_AGAIN;
	if (is_cme(ev, 16) || is_cms(ev, 311) || ev->kind == MAT_ERROR) {
		/* Never try the PIN again: three tries lock the SIM. */
		snprintf(e->why, sizeof(e->why), "SIM PIN refused (%s)",
		    ev->line);
		return STEP_FATAL;
	}
	if (is_cme(ev, 12) || is_cms(ev, 316)) {
		snprintf(e->why, sizeof(e->why), "SIM PUK required");
		return STEP_FATAL;
	}
	describe(e, ev);
	return STEP_FAIL;
}

static enum me_step_result
f_csms(struct modem_engine *e, const struct mat_event *ev)
{
	if (ev->kind == MAT_OK) {
		e->csms1 = true;
		return STEP_NEXT;
	}
	if (sim_busy(ev))
		return STEP_AGAIN;
	/* Phase 2 only: the modem acknowledges by itself, so a message
	 * the core could not store would be lost.  Store first instead. */
	log_warn("modem %s: AT+CSMS=1 refused (%s): falling back to "
	    "+CMTI / +CDSI routing", e->p.name, ev->line);
	if (e->p.mt == ME_MT_CMT)
		e->p.mt = ME_MT_CMTI;
	if (e->p.ds == ME_DS_CDS)
		e->p.ds = ME_DS_CDSI;
	return STEP_NEXT;
}

static enum me_step_result
f_csca(struct modem_engine *e, const struct mat_event *ev)
{
	if (ev->kind == MAT_OK && e->p.smsc[0] != '\0')
		snprintf(e->smsc, sizeof(e->smsc), "%s", e->p.smsc);
	return f_must(e, ev);
}

static const struct init_step {
	const char *name;
	bool (*command)(struct modem_engine *e, char *buf, size_t n);
	void (*info)(struct modem_engine *e, const struct mat_event *ev);
	enum me_step_result (*final)(struct modem_engine *e,
	    const struct mat_event *ev);
	bool secret;		/* the command carries the PIN: not logged */
} steps[] = {
	{ "reset", c_reset, NULL, f_any, false },
	{ "echo off", c_echo, NULL, f_must, false },
	{ "numeric errors", c_cmee, NULL, f_any, false },
	{ "SIM state", c_cpin_read, i_cpin, f_cpin_read, false },
	{ "PIN", c_cpin_set, NULL, f_cpin_set, true },
	{ "PDU mode", c_cmgf, NULL, f_must, false },
	{ "message service", c_csms, NULL, f_csms, false },
	{ "SMSC address", c_csca, i_csca, f_csca, false },
	{ "storage", c_cpms, NULL, f_any, false },
	{ "routing", c_cnmi, NULL, f_must, false },
};

unsigned
me_init_steps(void)
{
	return (unsigned)NELEM(steps);
}

const char *
me_init_step_name(unsigned step)
{
	return step < NELEM(steps) ? steps[step].name : "?";
}

bool
me_init_command(struct modem_engine *e, char *buf, size_t bufsz,
    bool *secret)
{
	if (e->step == 0)
		e->pin_sent = false;
	*secret = steps[e->step].secret;
	return steps[e->step].command(e, buf, bufsz);
}

void
me_init_info(struct modem_engine *e, const struct mat_event *ev)
{
	if (steps[e->step].info != NULL)
		steps[e->step].info(e, ev);
}

enum me_step_result
me_init_final(struct modem_engine *e, const struct mat_event *ev)
{
	return steps[e->step].final(e, ev);
}
