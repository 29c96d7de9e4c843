# shellcheck shell=bash
# Renders one rule list (lines "METHOD PATH-REGEX", see perf/peers/rules.txt)
# into each peer's native form, so every peer enforces the same rules:
#   haproxy-get.lst / haproxy-post.lst  ACL pattern files, ^(?:re)$ per line
#   nginx-rules.map                     "~^METHOD (?:re)$" 1; entries, in order
#   cnp.yaml                            one CiliumNetworkPolicy, ingress of the
#                                       backend from the client on ports 80/81

# rules_strip FILE: the rules without comments/blank lines.
rules_strip() { awk '!/^[[:space:]]*(#|$)/ { print $1, $2 }' "$1"; }

# rules_gen_many FILE N: N rules "GET /svcI/v1/[a-z]+"; a request matching only
# the last one is GET /svcN/v1/items.
rules_gen_many() {
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "GET /svc%d/v1/[a-z]+\n", i }' >"$1"
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
