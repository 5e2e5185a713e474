/*
 * bench_admin_import.c - bulk import of N bindings with stkauth-admin
 * (issue 8 figure; docs/PERFORMANCE.md "Admin CLI").
 *
 *   bench_admin_import [N] [ADMIN]     N = 1000000, ADMIN =
 *                                      build/bin/stkauth-admin
 *
 * Generates a CSV of N accounts each bound to its own MSISDN in a fresh
 * temporary folder, runs `stkauth-admin --db DB import FILE` as a child
 * and reports its wall time, CPU time and peak resident memory from
 * wait4()'s rusage (what /usr/bin/time -v prints), then the same for
 * `export` of the result.  The database is a new one: the figure is the
 * CLI's own cost (parse, validate, stage, check, one write transaction).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run argv with stdout to out (NULL: /dev/null); 0 on exit status 0. */
static int
run(char *const argv[], const char *out, double *wall, struct rusage *ru)
{
	double t0 = now_s();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, ru) != pid)
		return -1;
	*wall = now_s() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
report(const char *what, long n, double wall, const struct rusage *ru)
{
	double cpu = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;

	printf("%-7s %8ld rows  wall %7.2f s  cpu %7.2f s  %9.0f rows/s  "
	    "peak RSS %6.1f MiB\n", what, n, wall, cpu, n / wall,
	    ru->ru_maxrss / 1024.0);
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	char *admin = argc > 2 ? argv[2] : "build/bin/stkauth-admin";
	char dir[] = "/tmp/stkauth-bench-admin.XXXXXX";
	char csv[64], db[64], exp[64], path[80];
	struct rusage ru;
	struct stat sb;
	double wall, t0;
	FILE *f;
	int rc = 1;

	if (n < 1 || n > 9999999 || access(admin, X_OK) != 0) {
		fprintf(stderr, "usage: bench_admin_import [N <= 9999999] "
		    "[ADMIN]  (build stkauth-admin first)\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(csv, sizeof(csv), "%s/in.csv", dir);
	snprintf(db, sizeof(db), "%s/server.db", dir);
	snprintf(exp, sizeof(exp), "%s/out.csv", dir);
	t0 = now_s();
	if ((f = fopen(csv, "w")) == NULL)
		goto out;
	fputs("account,msisdn\r\n", f);
	for (long i = 0; i < n; i++)
		fprintf(f, "user%07ld,+3725%07ld\r\n", i, i);
	if (fclose(f) != 0)
		goto out;
	stat(csv, &sb);
	printf("generated %ld rows (%.1f MiB) in %.2f s\n", n,
	    sb.st_size / 1048576.0, now_s() - t0);
	{
		char *av[] = { admin, "--db", db, "import", csv, NULL };

		if (run(av, NULL, &wall, &ru) != 0) {
			fprintf(stderr, "import failed\n");
			goto out;
		}
		report("import", n, wall, &ru);
	}
	stat(db, &sb);
	printf("database %.1f MiB\n", sb.st_size / 1048576.0);
	{
		char *av[] = { admin, "--db", db, "export", NULL };

		if (run(av, exp, &wall, &ru) != 0) {
			fprintf(stderr, "export failed\n");
			goto out;
		}
		report("export", n, wall, &ru);
	}
	rc = 0;
 out:
	unlink(csv);
	unlink(exp);
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	rmdir(dir);
	return rc;
}
