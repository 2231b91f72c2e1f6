/* naming.h - what the judge says of a wrong value: the name of the mistake
 * (docs/mistakes.md) that reproduces it, and what the implementation did. */
#ifndef KX_NAMING_H
#define KX_NAMING_H

/* A named mistake, or the reason none matched. */
struct kx_naming {
	char name[160];         /* "randoms-swapped+split-swapped"; empty when no model matched */
	char explanation[1200]; /* what the implementation did, or why no model explains the value */
};

/* Appends a mistake to a naming: a non-empty name joined with "+", the explanation with "; ". */
void kx_naming_join(struct kx_naming *naming, const char *name, const char *explanation);

#endif
