/* vector_file.h - loading a Wycheproof-style vector file (docs/vectors.md)
 * and checking the layout every kind shares. A broken test is recorded as a
 * problem naming its tcId and left out; the rest of the file is still used. */
#ifndef KX_VECTOR_FILE_H
#define KX_VECTOR_FILE_H

#include <jansson.h>
#include <stddef.h>

#include "core/json_doc.h"

struct kx_vector_test {
	const struct kx_json_doc *doc; /* the file's document (borrowed) */
	size_t group_node;  /* the test group, a node of doc */
	size_t test_node;   /* the test object, a node of doc */
	long long tc_id;
	const char *result; /* "valid", "acceptable" or "invalid" */
	json_t *group;      /* the same as jansson values, borrowed from the file's root, */
	json_t *test;       /* when it was loaded with kx_vector_file_load; else NULL */
};

struct kx_vector_problem {
	long long tc_id;    /* 0 when the problem is not one test's */
	char text[256];
};

struct kx_vector_file {
	char path[4096];
	const char *name;   /* the base name inside path */
	char *text;         /* the file's bytes, which doc's strings point into */
	struct kx_json_doc *doc; /* the file as read, node 0 the top level */
	json_t *root;       /* the file as jansson values: kx_vector_file_load only */
	const char *schema; /* the file's "schema" member */
	struct kx_vector_test *tests;
	size_t n_tests;
	struct kx_vector_problem *problems;
	size_t n_problems, cap_problems;
	char error[512];    /* set when the file as a whole cannot be used */
};

/* Loads and checks path into *file. Returns 0 when the file is usable (it may
 * still carry problems with single tests), -1 when file->error says why not.
 * root and every test's group and test are also given as jansson values. */
int kx_vector_file_load(const char *path, struct kx_vector_file *file);

/* The same without the jansson values (root, group and test stay NULL), which
 * for a large file cost more than the rest of loading it and again to release
 * them: what `kxconform vectors` uses. */
int kx_vector_file_read(const char *path, struct kx_vector_file *file);

/* Releases everything the file holds. */
void kx_vector_file_free(struct kx_vector_file *file);

#endif
