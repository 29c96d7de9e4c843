/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU packet/byte counters by (direction, reason). */
#ifndef CL7_METRICS_H
#define CL7_METRICS_H

#include "maps.h"

static __always_inline void cl7_count(__u8 reason, __u8 direction, __u32 bytes)
{
	__u32 index = CL7_COUNTER_INDEX(direction, reason);
	struct cl7_metrics_value *val;

	val = bpf_map_lookup_elem(&cl7_counters, &index);
	if (val) {
		/* per-CPU value: no other writer */
		val->packets += 1;
		val->bytes += bytes;
	}
}

#endif /* CL7_METRICS_H */
