/* output_dir.h - the directory a run or a merge writes into (--output): held
 * under a lock for the whole command, so that two runs never interleave their
 * reports and captures, and cleared of an earlier run's files before the new
 * ones are written, so that a report never sits beside another run's
 * captures or outlives a run that could not write its own. */
#ifndef KX_OUTPUT_DIR_H
#define KX_OUTPUT_DIR_H

#include <stddef.h>

/* The lock file inside the output directory. */
#define KX_OUTPUT_LOCK ".kxconform.lock"

/* Creates dir when missing and locks it (flock on DIR/.kxconform.lock, which then holds this
 * process's pid and command); returns the lock's file descriptor, or -1 with err, which names
 * the holder's pid and command when another process holds it. The lock ends with the process
 * or kx_output_unlock. */
int kx_output_lock(const char *dir, const char *command, char *err, size_t errlen);

/* Releases a lock kx_output_lock took. The file stays: removing it would race the next locker. */
void kx_output_unlock(int fd);

/* Removes an earlier run's reports (DIR/reports/report.json, junit.xml, index.html, the
 * temporary files they are written through, and a spool of cases, report_spool.h) and, when captures is set, its captures (every
 * *.pcapng and *.keylog in DIR/captures); 0, or -1 with err naming the file that stayed. */
int kx_output_clear(const char *dir, int captures, char *err, size_t errlen);

/* Removes the n report files names (DIR/reports/NAME) and their temporary files; 0, or -1 with err
 * naming the file that stayed. */
int kx_output_clear_files(const char *dir, const char *const *names, size_t n, char *err, size_t errlen);

#endif
