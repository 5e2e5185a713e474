/*
 * pwread.c - a new password for `user add --password` and `user passwd`:
 * from the terminal with echo off (asked twice), or one line from stdin
 * with --stdin (for scripts).  Never from argv: ps and shell histories
 * show arguments.  The buffers are wiped by the caller.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "err.h"
#include "password.h"

/* One line from fd into out, without its "\n" / "\r\n". */
static int
read_line(int fd, char *out, size_t outsz, size_t *len)
{
	size_t n = 0;
	char c;
	ssize_t r;

	for (;;) {
		if ((r = read(fd, &c, 1)) < 0)
			return STK_E_IO;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= outsz) {
			/* drain the rest of the line */
			while (read(fd, &c, 1) == 1 && c != '\n')
				;
			return STK_E_TOO_LONG;
		}
		out[n++] = c;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	*len = n;
	return STK_OK;
}

/* Prompt on the terminal and read without echo. */
static int
read_tty(int fd, const char *prompt, char *out, size_t outsz, size_t *len)
{
	struct termios old, quiet;
	int rc;

	if (tcgetattr(fd, &old) != 0)
		return STK_E_IO;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return STK_E_IO;
	rc = read_line(fd, out, outsz, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		rc = STK_E_IO;
	return rc;
}

int
pwread_tty(const char *prompt, char *out, size_t outsz, size_t *len,
    const char **why)
{
	char again[PASSWORD_MAX_LEN + 2];
	size_t alen = 0;
	int fd, rc;

	*why = NULL;
	if (outsz > sizeof(again))
		outsz = sizeof(again);
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY)) < 0) {
		*why = "no terminal";
		return STK_E_IO;
	}
	if ((rc = read_tty(fd, prompt, out, outsz, len)) == STK_OK &&
	    (rc = read_tty(fd, "Again: ", again, sizeof(again), &alen)) ==
	    STK_OK && (alen != *len || CRYPTO_memcmp(again, out, alen) != 0)) {
		*why = "the two entries differ";
		rc = STK_E_ARG;
	}
	close(fd);
	OPENSSL_cleanse(again, sizeof(again));
	return rc;
}

int
pwread(bool from_stdin, char *out, size_t outsz, size_t *len,
    const char **why)
{
	int rc;

	*why = NULL;
	if (outsz > PASSWORD_MAX_LEN + 2)
		outsz = PASSWORD_MAX_LEN + 2;	/* one more to see "too long" */
	if (from_stdin) {
		rc = read_line(STDIN_FILENO, out, outsz, len);
		goto check;
	}
	rc = pwread_tty("New password: ", out, outsz, len, why);
	if (rc == STK_E_IO && *why != NULL)
		*why = "no terminal: use --stdin";
	if (rc == STK_E_ARG)
		*why = "the passwords differ";
 check:
	if (rc == STK_OK && *len == 0) {
		*why = "empty password";
		rc = STK_E_ARG;
	} else if (rc == STK_E_TOO_LONG || (rc == STK_OK &&
	    *len > PASSWORD_MAX_LEN)) {
		*why = "longer than 1024 octets";
		rc = STK_E_TOO_LONG;
	} else if (rc == STK_E_IO && *why == NULL)
		*why = "cannot read the password";
	return rc;
}
