/* vector_loader.c - the files of a `kxconform vectors` run, checked in turn
 * (vector_loader.h), with the preparing of each overlapped with the drivers'
 * work on the one before. */
#include "runner/vectors/vector_loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The loader thread prepares the files, at most one ahead of the file being
 * checked: with 100,000 tests, reading a file and writing its requests took
 * a tenth of a second, which on two cores overlaps the drivers' work on the
 * file before. The files go smallest first, so that the drivers wait only for
 * the smallest to be prepared; what each file gives is printed in the order
 * of the names all the same. */
struct loader {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char **paths; /* in the order they are checked */
	int n;
	struct kx_prepared_file *files;
	int prepared; /* files[0..prepared) are ready to check */
	int checked;  /* files[0..checked) are checked and released */
};

static void *load_ahead(void *arg)
{
	struct loader *l = arg;
	for (int i = 0; i < l->n; i++) {
		pthread_mutex_lock(&l->lock);
		while (i > l->checked + 1)
			pthread_cond_wait(&l->changed, &l->lock);
		pthread_mutex_unlock(&l->lock);
		kx_vector_prepare(l->paths[i], &l->files[i]);
		pthread_mutex_lock(&l->lock);
		l->prepared = i + 1;
		pthread_cond_broadcast(&l->changed);
		pthread_mutex_unlock(&l->lock);
	}
	return NULL;
}

/* Sorts the indexes of the files by size, ties (and unreadable files) in
 * their own order. */
static void smallest_first(char **files, int n, int *order)
{
	long long *sizes = calloc((size_t)n, sizeof *sizes);
	for (int i = 0; i < n; i++) {
		struct stat st;
		order[i] = i;
		if (sizes != NULL)
			sizes[i] = stat(files[i], &st) == 0 ? (long long)st.st_size : 0;
	}
	/* Insertion sort: stable, and a run holds a handful of files. */
	for (int i = 1; sizes != NULL && i < n; i++)
		for (int j = i; j > 0 && sizes[order[j]] < sizes[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	free(sizes);
}

/* Checks every file on every driver, printing as it goes, with each file's entry of the vectors
 * report in entries (in the order of files); 0, or -1 when out of memory. */
int kx_vectors_check_all(char **files, int n_files, struct kx_driver_proc *drivers, size_t n_drivers,
                         int timeout_ms, const struct kx_vector_judging *judging,
                         struct kx_vector_tally *total, json_t **entries)
{
	/* Checked smallest first (see struct loader), printed in the order of the names. */
	int *order = calloc((size_t)n_files, sizeof *order);
	char **by_size = calloc((size_t)n_files, sizeof *by_size);
	struct kx_text *outputs = calloc((size_t)n_files, sizeof *outputs);
	int *done = calloc((size_t)n_files, sizeof *done);
	struct loader loader = {.paths = by_size, .n = n_files};
	loader.files = calloc((size_t)n_files, sizeof *loader.files);
	int ok = order != NULL && by_size != NULL && outputs != NULL && done != NULL && loader.files != NULL;
	if (ok) {
		smallest_first(files, n_files, order);
		for (int k = 0; k < n_files; k++)
			by_size[k] = files[order[k]];
	}

	pthread_t thread;
	int threaded = ok && pthread_mutex_init(&loader.lock, NULL) == 0;
	if (threaded && pthread_cond_init(&loader.changed, NULL) != 0) {
		pthread_mutex_destroy(&loader.lock);
		threaded = 0;
	}
	if (threaded && pthread_create(&thread, NULL, load_ahead, &loader) != 0) {
		pthread_cond_destroy(&loader.changed);
		pthread_mutex_destroy(&loader.lock);
		threaded = 0;
	}
	int printed = 0;
	for (int k = 0; ok && k < n_files; k++) {
		struct kx_prepared_file *p = &loader.files[k];
		if (threaded) {
			pthread_mutex_lock(&loader.lock);
			while (loader.prepared <= k)
				pthread_cond_wait(&loader.changed, &loader.lock);
			pthread_mutex_unlock(&loader.lock);
		} else {
			/* Without the thread (it could not start): one file after the other. */
			kx_vector_prepare(by_size[k], p);
		}
		entries[order[k]] = kx_vectors_check_file(p, drivers, n_drivers, timeout_ms, judging,
		                                          &outputs[order[k]], total);
		kx_vector_release(p);
		if (threaded) {
			pthread_mutex_lock(&loader.lock);
			loader.checked = k + 1;
			pthread_cond_broadcast(&loader.changed);
			pthread_mutex_unlock(&loader.lock);
		}
		done[order[k]] = 1;
		for (; printed < n_files && done[printed]; printed++) {
			fwrite(outputs[printed].data != NULL ? outputs[printed].data : "", 1,
			       outputs[printed].len, stdout);
			free(outputs[printed].data);
		}
		fflush(stdout);
	}
	if (threaded) {
		pthread_join(thread, NULL);
		pthread_cond_destroy(&loader.changed);
		pthread_mutex_destroy(&loader.lock);
	}
	free(loader.files);
	free(order);
	free(by_size);
	free(outputs);
	free(done);
	return ok ? 0 : -1;
}
