# Shared by the tutorial scripts (demo.sh, demo-cluster.sh, run.sh): the
# tutorial's pods and requests, output helpers, and the checks that compare
# what a step did with what the tutorial says. Each check counts into
# PASS/FAIL; demo_finish prints the verdict and exits 0 only when nothing
# failed. The caller defines cli (how the CLI is run).

# The tutorial's pods: name, labels.
DEATHSTAR_PODS=(deathstar-6fb5694d48-5hmds deathstar-6fb5694d48-fhf65)
PODS=("${DEATHSTAR_PODS[@]}" tiefighter xwing)
declare -A POD_LABELS=(
	[deathstar-6fb5694d48-5hmds]="org=empire,class=deathstar,app.kubernetes.io/name=deathstar"
	[deathstar-6fb5694d48-fhf65]="org=empire,class=deathstar,app.kubernetes.io/name=deathstar"
	[tiefighter]="org=empire,class=tiefighter,app.kubernetes.io/name=tiefighter"
	[xwing]="org=alliance,class=xwing,app.kubernetes.io/name=xwing"
)

# The tutorial's requests, as the ships make them.
landing=(curl -s -XPOST deathstar.default.svc.cluster.local/v1/request-landing)
landing_timeout=(curl -s --connect-timeout 3 -XPOST deathstar.default.svc.cluster.local/v1/request-landing)
exhaust=(curl -s -XPUT deathstar.default.svc.cluster.local/v1/exhaust-port)

PASS=0
FAIL=0
c_bold=$'\e[1m'; c_green=$'\e[32m'; c_red=$'\e[31m'; c_dim=$'\e[2m'; c_off=$'\e[0m'
if [ ! -t 1 ]; then c_bold=; c_green=; c_red=; c_dim=; c_off=; fi

say() { printf '%s\n' "$*"; }
info() { printf '%s==> %s%s\n' "$c_bold" "$*" "$c_off"; }

# expect DESCRIPTION EXPECT_EXIT EXPECT_TEXT CLI_ARGS... -- CMD...
# Runs `ciliuml7 CLI_ARGS -- CMD` (e.g. `exec xwing -- curl …` or
# `--node node1 exec xwing -- curl …`), prints it as a user types it, what should
# happen and what happened.
expect() {
	local what=$1 want_rc=$2 want_text=$3
	shift 3
	local args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	printf '\n  %s$ ciliuml7 %s -- %s%s\n' "$c_bold" "${args[*]}" "$*" "$c_off"
	printf '  %sexpected: %s%s\n' "$c_dim" "$what" "$c_off"
	local out rc
	out=$(cli "${args[@]}" -- "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  | /'
	if [ "$rc" = "$want_rc" ] && { [ -z "$want_text" ] || grep -qF -- "$want_text" <<<"$out"; }; then
		printf '  %s✔ as the tutorial says%s (exit %s)\n' "$c_green" "$c_off" "$rc"
		PASS=$((PASS + 1))
	else
		printf '  %s✘ NOT as the tutorial says%s: exit %s (wanted %s)%s\n' "$c_red" "$c_off" "$rc" "$want_rc" \
			"${want_text:+, output should contain \"$want_text\"}"
		FAIL=$((FAIL + 1))
	fi
}

# check_flow DESCRIPTION TEXT REGEX: TEXT (flows printed by observe) has a line matching REGEX.
check_flow() {
	if grep -qE -- "$3" <<<"$2"; then
		printf '  %s✔ %s%s\n' "$c_green" "$1" "$c_off"; PASS=$((PASS + 1))
	else
		printf '  %s✘ missing: %s%s\n' "$c_red" "$1" "$c_off"; FAIL=$((FAIL + 1))
	fi
}

# demo_finish TITLE: the verdict line; exits 0 only if every check passed.
demo_finish() {
	echo
	if [ "$FAIL" -eq 0 ]; then
		printf '%s%s: %d of %d checks as the tutorial says.%s\n' "$c_green" "$1" "$PASS" "$((PASS + FAIL))" "$c_off"
		exit 0
	fi
	printf '%s%s: %d check(s) failed, %d passed.%s\n' "$c_red" "$1" "$FAIL" "$PASS" "$c_off"
	exit 1
}
