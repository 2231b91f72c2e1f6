/* pairwise.c - IPOG (Lei and Tai, "IPOG: A General Strategy for T-Way Software Testing", 2007) for
 * strength 2. The first two factors start as their full product; each further factor is added in
 * two steps: horizontal growth gives every existing row the level of the new factor that covers the
 * most pairs not yet covered (the lowest level on a tie, so that row 0 stays all level 0), and
 * vertical growth covers each remaining pair by filling a don't-care cell of a row that already has
 * the new factor's level, or by a new row of don't-cares. Don't-cares left at the end become level
 * 0, the axis default, and a row that then repeats an earlier one is dropped. Everything runs in a
 * fixed order, so a suite expands to the same cases on every run and every shard. */
#include "runner/cases/pairwise.h"

#include "core/growable.h"

#include <stdlib.h>
#include <string.h>

#define DONT_CARE (-1L)

struct table {
	long *cells; /* n rows of k cells, room for cap cells */
	size_t n, cap, k;
};

/* A new row of don't-cares at the end of t; its cells, or NULL when out of memory. */
static long *add_row(struct table *t)
{
	if (KX_GROW(t->cells, t->cap, (t->n + 1) * t->k) != 0)
		return NULL;
	long *row = t->cells + t->n++ * t->k;
	for (size_t i = 0; i < t->k; i++)
		row[i] = DONT_CARE;
	return row;
}

/* The pairs of factor j with each earlier factor i, one flag each: offset[i] + vi * sizes[j] + vj. */
struct pairs {
	unsigned char *uncovered;
	size_t *offset;
	size_t total;
};

static int pairs_init(struct pairs *p, const size_t *sizes, size_t j)
{
	p->offset = malloc(j * sizeof *p->offset);
	p->total = 0;
	for (size_t i = 0; p->offset != NULL && i < j; i++) {
		p->offset[i] = p->total;
		p->total += sizes[i] * sizes[j];
	}
	p->uncovered = p->offset != NULL ? malloc(p->total + 1) : NULL;
	if (p->uncovered == NULL)
		return -1;
	memset(p->uncovered, 1, p->total);
	return 0;
}

static unsigned char *pair(const struct pairs *p, const size_t *sizes, size_t i, size_t j, long vi, long vj)
{
	return &p->uncovered[p->offset[i] + (size_t)vi * sizes[j] + (size_t)vj];
}

/* How many pairs not yet covered row would cover with level v of factor j. */
static size_t gain(const struct pairs *p, const size_t *sizes, const long *row, size_t j, long v)
{
	size_t n = 0;
	for (size_t i = 0; i < j; i++)
		if (row[i] != DONT_CARE)
			n += *pair(p, sizes, i, j, row[i], v);
	return n;
}

static void cover(struct pairs *p, const size_t *sizes, const long *row, size_t j)
{
	for (size_t i = 0; i < j; i++)
		if (row[i] != DONT_CARE)
			*pair(p, sizes, i, j, row[i], row[j]) = 0;
}

/* Adds factor j to every row and covers its pairs; 0, or -1 when out of memory. */
static int extend(struct table *t, const size_t *sizes, size_t j)
{
	struct pairs p;
	if (pairs_init(&p, sizes, j) != 0) {
		free(p.offset);
		return -1;
	}
	for (size_t r = 0; r < t->n; r++) {
		long *row = t->cells + r * t->k, best = 0;
		size_t most = 0;
		for (long v = 0; v < (long)sizes[j]; v++) {
			size_t g = gain(&p, sizes, row, j, v);
			if (g > most) {
				most = g;
				best = v;
			}
		}
		row[j] = best;
		cover(&p, sizes, row, j);
	}
	int ret = 0;
	for (size_t i = 0; i < j && ret == 0; i++)
		for (long vi = 0; vi < (long)sizes[i] && ret == 0; vi++)
			for (long vj = 0; vj < (long)sizes[j]; vj++) {
				if (!*pair(&p, sizes, i, j, vi, vj))
					continue;
				long *row = NULL;
				for (size_t r = 0; r < t->n && row == NULL; r++) {
					long *candidate = t->cells + r * t->k;
					if (candidate[j] == vj && candidate[i] == DONT_CARE)
						row = candidate;
				}
				if (row == NULL && (row = add_row(t)) == NULL) {
					ret = -1;
					break;
				}
				row[i] = vi;
				row[j] = vj;
				*pair(&p, sizes, i, j, vi, vj) = 0;
			}
	free(p.uncovered);
	free(p.offset);
	return ret;
}

/* Fills don't-cares with level 0 and copies the rows into out, each once, in order; the count. */
static size_t finish(const struct table *t, size_t *out)
{
	size_t n = 0;
	for (size_t r = 0; r < t->n; r++) {
		size_t *row = out + n * t->k;
		for (size_t i = 0; i < t->k; i++)
			row[i] = t->cells[r * t->k + i] == DONT_CARE ? 0 : (size_t)t->cells[r * t->k + i];
		int seen = 0;
		for (size_t e = 0; e < n && !seen; e++)
			seen = memcmp(out + e * t->k, row, t->k * sizeof *row) == 0;
		n += !seen;
	}
	return n;
}

int kx_pairwise(const size_t *sizes, size_t k, size_t **rows, size_t *n_rows)
{
	struct table t = {.k = k};
	*rows = NULL;
	*n_rows = 0;
	if (k == 0) {
		*rows = malloc(1);
		*n_rows = 1;
		return *rows != NULL ? 0 : -1;
	}
	/* One factor alone is its levels; two start as their product. */
	size_t second = k > 1 ? sizes[1] : 1;
	for (size_t a = 0; a < sizes[0]; a++)
		for (size_t b = 0; b < second; b++) {
			long *row = add_row(&t);
			if (row == NULL)
				goto oom;
			row[0] = (long)a;
			if (k > 1)
				row[1] = (long)b;
		}
	for (size_t j = 2; j < k; j++)
		if (extend(&t, sizes, j) != 0)
			goto oom;
	*rows = malloc(t.n * k * sizeof **rows);
	if (*rows == NULL)
		goto oom;
	*n_rows = finish(&t, *rows);
	free(t.cells);
	return 0;
oom:
	free(t.cells);
	return -1;
}
