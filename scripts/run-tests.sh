#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed[, N skipped]".
# Exits non-zero when anything failed or when no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-Release}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test CiliumL7.sln -c "$CONFIG" --no-build --nologo -m:1 \
	--logger "console;verbosity=normal" -- RunConfiguration.TreatNoTestsAsError=false 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest closes each test assembly's run with a block like
#   Total tests: 42
#        Passed: 41
#        Failed: 1
#       Skipped: 0
# ("Passed Name [12 ms]" result lines have no colon and are not counted).
read -r passed failed skipped < <(awk '
	/^ *Passed: *[0-9]+ *$/  { p += $2 }
	/^ *Failed: *[0-9]+ *$/  { f += $2 }
	/^ *Skipped: *[0-9]+ *$/ { s += $2 }
	END { printf "%d %d %d\n", p, f, s }' "$log")

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1   # the runner itself failed (build or crash): never report green
fi
# The names of the failed tests again, at the end where a truncated log still shows them.
if grep -qE '^ *Failed [A-Za-z_]' "$log"; then
	echo "Failed tests:"
	grep -E '^ *Failed [A-Za-z_]' "$log" | sed 's/^ */  /' | head -n 20
	grep -A3 -E '^ *Error Message:' "$log" | head -n 40
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
