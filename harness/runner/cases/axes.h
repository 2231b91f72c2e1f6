/* axes.h - the suite's parameter axes (docs/suite.md, "Axes"): each a list of values, the first
 * the default, a value saying what it changes in each end's driver configuration and in the
 * relay; a scenario takes the axes it lists. A profile picks which combinations of a scenario's
 * axes run: `fast` the defaults only, `pairwise` every pair of values of every two axes, `full`
 * every combination. */
#ifndef KX_AXES_H
#define KX_AXES_H

#include <jansson.h>
#include <stddef.h>

enum kx_profile { KX_PROFILE_FAST, KX_PROFILE_PAIRWISE, KX_PROFILE_FULL };
#define KX_PROFILE_COUNT 3

/* Parses a profile name ("fast", "pairwise", "full"); 0, or -1 if unknown. */
int kx_profile_from_name(const char *name, enum kx_profile *profile);

/* The name of a profile. */
const char *kx_profile_name(enum kx_profile profile);

/* The most axes a scenario takes. */
#define KX_MAX_AXES 16

/* One combination: a value of each axis a scenario takes on one transport, in the scenario's
 * order (the entries are borrowed from the suite). */
struct kx_axes_combo {
	size_t n;
	json_t *axis[KX_MAX_AXES];
	json_t *value[KX_MAX_AXES];
};

/* Checks the suite's "axes" and every scenario's "axes" list; 0, or -1 with err naming the axis
 * and value, or the scenario, at fault and what is wrong. */
int kx_axes_check(json_t *root, char *err, size_t errlen);

/* The combinations of scenario's axes over transport that profile runs, all defaults first (one
 * combination of no axes for a scenario that takes none); *combos malloc'd, *n of them. 0, or -1
 * when out of memory. Only for a suite kx_axes_check accepted. */
int kx_axes_combinations(json_t *root, json_t *scenario, const char *transport, enum kx_profile profile,
                         struct kx_axes_combo **combos, size_t *n);

/* Writes "+AXIS=VALUE" for each value that is not its axis's default into out (capacity len;
 * empty for the defaults). */
void kx_axes_suffix(const struct kx_axes_combo *combo, char *out, size_t len);

/* {"AXIS": "VALUE", ...} for every axis of the combination (new reference), NULL when it has none. */
json_t *kx_axes_json(const struct kx_axes_combo *combo);

/* Overlays the members of the combination's values for `end` ("initiator" or "terminator") on an
 * end's driver configuration. */
void kx_axes_overlay(const struct kx_axes_combo *combo, const char *end, json_t *config);

/* The combination's "relay" members merged into one object (new reference). */
json_t *kx_axes_relay(const struct kx_axes_combo *combo);

/* The feature and scenario names the combination's values need a driver to list (new reference),
 * NULL when they need none. */
json_t *kx_axes_needs(const struct kx_axes_combo *combo);

#endif
