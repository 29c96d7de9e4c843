# Small statistics for the perf scripts (sourced).

# perf_median V...: the median of the numeric arguments (the lower middle one for an even
# count; arguments that are not numbers, such as n/a, are left out); n/a when none is a number.
perf_median() {
	tr ' ' '\n' <<<"$*" | grep -E '^[0-9.]+$' | sort -g | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'
}
