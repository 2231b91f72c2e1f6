/* vector_file.h - loading a Wycheproof-style vector file (docs/vectors.md)
 * and checking the layout every kind shares. A broken test is recorded as a
 * problem naming its tcId and left out; the rest of the file is still used. */
#ifndef KX_VECTOR_FILE_H
#define KX_VECTOR_FILE_H

#include <jansson.h>
#include <stddef.h>

struct kx_vector_test {
	json_t *group;      /* the test group (borrowed from the file's root) */
	json_t *test;       /* the test object (borrowed) */
	long long tc_id;
	const char *result; /* "valid", "acceptable" or "invalid" */
};

struct kx_vector_problem {
	long long tc_id;    /* 0 when the problem is not one test's */
	char text[256];
};

struct kx_vector_file {
	char path[4096];
	const char *name;   /* the base name inside path */
	json_t *root;
	const char *schema; /* the file's "schema" member */
	struct kx_vector_test *tests;
	size_t n_tests;
	struct kx_vector_problem *problems;
	size_t n_problems;
	char error[512];    /* set when the file as a whole cannot be used */
};

/* Loads and checks path into *file. Returns 0 when the file is usable (it may
 * still carry problems with single tests), -1 when file->error says why not. */
int kx_vector_file_load(const char *path, struct kx_vector_file *file);

/* Releases everything the file holds. */
void kx_vector_file_free(struct kx_vector_file *file);

#endif
