/*
 * secret.c - the files that hold secrets for enroll / revoke: the card's
 * personalisation key ([card] admin_key_file, hex), the LDAP bind
 * password ([ldap] password_file), the applet PIN (--pin-file) and the
 * CA's private key.  A secret file must be a regular file that neither
 * group nor others may read or write (mode 0600 or stricter): anything
 * wider is refused, not just warned about, because the secret may already
 * have leaked and the administrator has to know.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "bytes.h"
#include "err.h"
#include "hex.h"

int
secret_file_check(int fd, const char **why)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0) {
		*why = "cannot stat";
		return STK_E_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		*why = "not a regular file";
		return STK_E_INVALID;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "group or others may access it (chmod 600)";
		return STK_E_INVALID;
	}
	return STK_OK;
}

int
secret_file_line(const char *path, char *out, size_t outsz, size_t *len,
    const char **why)
{
	size_t n = 0;
	ssize_t r;
	int fd, rc;

	*why = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) >= 0 &&
	    (rc = secret_file_check(fd, why)) != STK_OK) {
		close(fd);
		return rc;
	}
	if (fd < 0) {
		*why = errno == ENOENT ? "no such file" : strerror(errno);
		return errno == ENOENT ? STK_E_NOT_FOUND : STK_E_IO;
	}
	/* One octet at a time: stdin may hold more than this line. */
	rc = STK_OK;
	for (;;) {
		char c;

		if ((r = read(fd, &c, 1)) < 0) {
			*why = strerror(errno);
			rc = STK_E_IO;
			break;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= outsz) {
			*why = "line too long";
			rc = STK_E_TOO_LONG;
			break;
		}
		out[n++] = c;
	}
	close(fd);
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	if (rc != STK_OK) {
		OPENSSL_cleanse(out, outsz);
		return rc;
	}
	if (n == 0) {
		*why = "empty";
		return STK_E_INVALID;
	}
	*len = n;
	return STK_OK;
}

int
secret_file_hex(const char *path, uint8_t *key, size_t want,
    const char **why)
{
	char line[256];
	struct stk_buf b;
	size_t n;
	int rc;

	if ((rc = secret_file_line(path, line, sizeof(line), &n, why)) !=
	    STK_OK)
		return rc;
	stk_buf_init(&b);
	rc = stk_hex_decode(line, &b);
	if (rc != STK_OK) {
		*why = "not hexadecimal";
	} else if (stk_buf_len(&b) != want) {
		*why = "wrong key length";
		rc = STK_E_INVALID;
	} else {
		memcpy(key, stk_buf_data(&b), want);
	}
	if (stk_buf_data(&b) != NULL)
		OPENSSL_cleanse(stk_buf_data(&b), stk_buf_len(&b));
	stk_buf_free(&b);
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}
