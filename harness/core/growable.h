/* growable.h - the one way the harness grows an array: its capacity doubles
 * (from KX_GROW_FIRST elements) until it holds what is needed, the byte count
 * is checked against overflow, and on failure the array and its capacity are
 * left as they were, so the caller still owns (and frees) what it had.
 *
 *     if (KX_GROW(list->items, list->cap, list->n + 1) != 0)
 *             return -1;
 *     list->items[list->n++] = item;
 */
#ifndef KX_GROWABLE_H
#define KX_GROWABLE_H

#include <stddef.h>

#define KX_GROW_FIRST 16

/* Makes the array *items_ptr (any object pointer, passed by address) of size-byte elements hold at
 * least need, updating *cap; 0, or -1 (out of memory or overflow) leaving both unchanged. */
int kx_grow_array(void *items_ptr, size_t *cap, size_t need, size_t size);

/* KX_GROW(items, cap, need): kx_grow_array on a pointer lvalue items and its size_t lvalue cap. */
#define KX_GROW(items, cap, need) kx_grow_array(&(items), &(cap), (need), sizeof *(items))

#endif
