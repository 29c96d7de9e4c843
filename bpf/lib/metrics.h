/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU packet/byte counters by (reason, direction). */
#ifndef CL7_METRICS_H
#define CL7_METRICS_H

#include "maps.h"

static __always_inline void cl7_count(__u8 reason, __u8 direction, __u32 bytes)
{
	struct cl7_metrics_key key = { .reason = reason, .direction = direction };
	struct cl7_metrics_value *val, init = { .packets = 1, .bytes = bytes };

	val = bpf_map_lookup_elem(&cl7_metrics, &key);
	if (val) {
		/* per-CPU value: no other writer */
		val->packets += 1;
		val->bytes += bytes;
		return;
	}
	bpf_map_update_elem(&cl7_metrics, &key, &init, BPF_NOEXIST);
}

#endif /* CL7_METRICS_H */
