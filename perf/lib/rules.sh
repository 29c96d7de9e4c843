# shellcheck shell=bash
# Renders one rule list (lines "METHOD PATH-REGEX", see perf/peers/rules.txt)
# into each peer's native form, so every peer enforces the same rules:
#   haproxy-get.lst / haproxy-post.lst  ACL pattern files, ^(?:re)$ per line
#   nginx-rules.map                     "~^METHOD (?:re)$" 1; entries, in order
#   cnp.yaml                            one CiliumNetworkPolicy, ingress of the
#                                       backend from the client on ports 80/81

# rules_strip FILE: the rules without comments/blank lines.
rules_strip() { awk '!/^[[:space:]]*(#|$)/ { print $1, $2 }' "$1"; }

# rules_gen_many FILE N [KIND]: N generated rules.
#   KIND prefix (default): "GET /svcI/v1/[a-z]+" — a literal prefix per rule; a request
#     matching only the last one is GET /svcN/v1/items, none: GET /nomatch/v1/items.
#   KIND noprefix: "GET /[a-z]+/svcI/[a-z]+" — no literal prefix (nor suffix): a prefix
#     tree cannot pick the candidate rules; only the last: GET /app/svcN/items, none:
#     GET /app/nomatch/items.
rules_gen_many() {
	awk -v n="$2" -v kind="${3:-prefix}" 'BEGIN {
		for (i = 1; i <= n; i++)
			if (kind == "noprefix") printf "GET /[a-z]+/svc%d/[a-z]+\n", i
			else printf "GET /svc%d/v1/[a-z]+\n", i
	}' >"$1"
}

# rules_render_idiomatic RULES DIR KIND: the same generated rule set as a competent
# HAProxy or nginx operator would write it, instead of N regexes tried one by one:
#   HAProxy  one regex for the shape + the rules' keys as a pattern file matched in a
#            tree (prefix set: pathq -m beg; no-prefix set: the key segment, pathq
#            field 3, -m str); default pattern cache (on)
#   nginx    pcre_jit on; one regex map capturing the key + an exact (hashed) map of
#            "METHOD key"
# Writes DIR/haproxy-idiomatic.acl (frontend lines) and DIR/nginx-idiomatic.maps
# (http-level map blocks) plus their key files. Semantics are the rule list's
# exactly: anchored full match of path + query, GET only.
rules_render_idiomatic() {
	local rules=$1 dir=$2 kind=$3
	if [ "$kind" = noprefix ]; then
		rules_strip "$rules" | awk '{ r = $2; sub(/^\/\[a-z\]\+\//, "", r); sub(/\/\[a-z\]\+$/, "", r); print r }' >"$dir/idiom-keys.lst"
		cat >"$dir/haproxy-idiomatic.acl" <<CFG
	acl l7_shape pathq -m reg ^/[a-z]+/svc[0-9]+/[a-z]+\$
	http-request set-var(txn.l7k) pathq,field(3,/) if l7_shape
	acl l7_key var(txn.l7k) -m str -f $dir/idiom-keys.lst
CFG
		echo '"~^/[a-z]+/(?<l7k>svc[0-9]+)/[a-z]+$" $l7k;' >"$dir/idiom-capture"
	else
		rules_strip "$rules" | awk '{ r = $2; sub(/\[a-z\]\+$/, "", r); print r }' >"$dir/idiom-keys.lst"
		cat >"$dir/haproxy-idiomatic.acl" <<CFG
	acl l7_key pathq -m beg -f $dir/idiom-keys.lst
	acl l7_shape pathq -m reg ^/svc[0-9]+/v1/[a-z]+\$
CFG
		echo '"~^(?<l7k>/svc[0-9]+/v1/)[a-z]+$" $l7k;' >"$dir/idiom-capture"
	fi
	echo '	http-request deny status 403 content-type text/plain string "Access denied\r\n" unless METH_GET l7_key l7_shape' >>"$dir/haproxy-idiomatic.acl"
	{
		echo 'map $request_uri $l7_key {'
		echo '	default "";'
		echo "	$(cat "$dir/idiom-capture")"
		echo '}'
		echo 'map "$request_method $l7_key" $l7_allowed {'
		echo '	default 0;'
		awk '{ printf "\t\"GET %s\" 1;\n", $1 }' "$dir/idiom-keys.lst"
		echo '}'
	} >"$dir/nginx-idiomatic.maps"
}

# rules_render RULES DIR
rules_render() {
	local rules=$1 dir=$2
	rules_strip "$rules" | awk -v d="$dir" '
		$1 == "GET"  { print "^(?:" $2 ")$" > (d "/haproxy-get.lst") }
		$1 == "POST" { print "^(?:" $2 ")$" > (d "/haproxy-post.lst") }
		{ printf "\"~^%s (?:%s)$\" 1;\n", $1, $2 > (d "/nginx-rules.map") }'
	touch "$dir/haproxy-get.lst" "$dir/haproxy-post.lst" "$dir/nginx-rules.map"
	{
		cat <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: perf-l7
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: perf-backend
  ingress:
  - fromEndpoints:
    - matchLabels:
        app: perf-client
    toPorts:
    - ports:
      - port: "80"
        protocol: TCP
      - port: "81"
        protocol: TCP
      rules:
        http:
YAML
		rules_strip "$rules" | awk '{ printf "        - method: \"%s\"\n          path: '"'"'%s'"'"'\n", $1, $2 }'
	} >"$dir/cnp.yaml"
}
