#!/usr/bin/env bash
# make fuzz: each target for FUZZ_SECONDS (default 60) from its committed seeds; findings in fuzz/findings/.
# FUZZ_TARGETS overrides the list; FUZZ_SEED makes a run repeatable. Exit 1 when any target found something.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"policy-yaml rest-json cni-config dns-message kafka-request http1-diff"}
dotnet build CiliumL7.Fuzz -c Release --nologo -v quiet -clp:ErrorsOnly || exit 1
bin=CiliumL7.Fuzz/bin/Release/net10.0/CiliumL7.Fuzz.dll
status=0
for t in $targets; do
	# Each target in its own process: a stack overflow or abort ends that target only, its input kept as findings/$t/current.
	timeout $((seconds + 120)) dotnet "$bin" "$t" "$seconds" "corpus/$t" "findings/$t" ${FUZZ_SEED:-}
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t exited $rc (see fuzz/findings/$t)" >&2
		status=1
	fi
done
exit $status
