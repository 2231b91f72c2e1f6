/* peak_rss.c - runs a command and reports its own peak resident set size,
 * not that of its children, with its wall time.
 *
 * Why not /usr/bin/time: on Linux the maxrss a parent reads with wait4() is
 * the largest of the process and every descendant it waited for, so a
 * runner's figure would silently become a driver's or tshark's. The runner's
 * own high-water mark is VmHWM in /proc/PID/status, but that file vanishes
 * the moment the process exits, and the peak may come last (the reports are
 * built at the end). So the command runs traced, with only PTRACE_O_TRACEEXIT:
 * the kernel stops it once, after exit_group() began and before its memory is
 * released, and VmHWM is read then. No other event is traced, so the command
 * runs at full speed; its signals are passed on unchanged.
 *
 * usage: peak_rss OUTFILE COMMAND [ARG]...
 * Writes one line to OUTFILE:
 *   "self_hwm_kb=K tree_maxrss_kb=T wall_seconds=W exit=E"
 * (tree_maxrss_kb: wait4()'s figure, the largest of the command and its
 * descendants). Exits with the command's status; 125 if it could not be run. */
#define _GNU_SOURCE /* PTRACE_O_TRACEEXIT and PTRACE_EVENT_EXIT are Linux's, not POSIX's */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmHWM of pid in kB, or -1 if /proc does not say. */
static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f != NULL)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: peak_rss OUTFILE COMMAND [ARG]...\n");
		return 125;
	}
	double start = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		return 125;
	}
	if (pid == 0) {
		/* Stop before exec so the parent can set its options first. */
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0 || raise(SIGSTOP) != 0)
			_exit(125);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "peak_rss: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(125);
	}
	int status;
	long hwm = -1;
	int exec_trap_seen = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		fprintf(stderr, "peak_rss: the command did not stop for tracing\n");
		return 125;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) != 0) {
		perror("peak_rss: PTRACE_SETOPTIONS");
		kill(pid, SIGKILL);
		return 125;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	struct rusage usage;
	for (;;) {
		pid_t got = wait4(pid, &status, 0, &usage);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			perror("peak_rss: wait4");
			return 125;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), deliver = sig;
		if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_EXIT) {
			/* The one moment the final VmHWM is still readable. */
			hwm = vm_hwm_kb(pid);
			deliver = 0;
		} else if (sig == SIGTRAP && !exec_trap_seen) {
			/* A traced execve() stops once with SIGTRAP; that is tracing's, not the command's. */
			exec_trap_seen = 1;
			deliver = 0;
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)deliver);
	}
	double wall = now() - start;
	int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *out = fopen(argv[1], "w");
	if (out == NULL) {
		perror("peak_rss: cannot write the result");
		return 125;
	}
	fprintf(out, "self_hwm_kb=%ld tree_maxrss_kb=%ld wall_seconds=%.3f exit=%d\n", hwm, usage.ru_maxrss, wall,
		exit_code);
	fclose(out);
	return exit_code;
}
