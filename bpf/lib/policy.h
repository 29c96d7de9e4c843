/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Policy lookup for one direction of one endpoint.
 *
 * Precedence (Cilium's order), written once here:
 *   [D] deny entries for the remote identity, then for ANY: any hit drops
 *       with POLICY_DENY (a deny always wins over an allow);
 *   [A] allow entries, most specific first:
 *       1 id/proto/port  2 ANY/proto/port  3 id/proto/ANY  4 ANY/proto/ANY
 *       5 id/ANY/ANY     6 ANY/ANY/ANY
 *       Each LPM lookup returns the longest L4 prefix for its identity; of
 *       the two, the longer L4 prefix wins and a tie goes to the identity,
 *       which is exactly the order above (port ranges rank between an
 *       exact port and "any port");
 *   [X] nothing matched: drop with POLICY_DENIED.
 * With enforcement off for the direction, everything is allowed.
 * [AU] With the direction in audit mode (CL7_EP_*_AUDIT), a [D] or [X] drop
 *      becomes a pass with v->audited set; reason and cookie say what would
 *      have happened. Checked only where a drop is decided: no extra lookup.
 * [AB] With audited policies beside enforcing ones (CL7_EP_*_AUDIT_BESIDE),
 *      a connection the entries above let through is looked up again in the
 *      audit entries ([D] [A] [X] over CL7_POLICY_KIND_AUDIT_*); a drop there
 *      marks it audited, reason and cookie those of the audited policies.
 *      A drop by the enforcing entries is final (deny wins). Flag unset: no
 *      second lookup.
 */
#ifndef CL7_POLICY_H
#define CL7_POLICY_H

#include "maps.h"
#include "context.h"

static __always_inline __u8 cl7_match_type(int by_identity, __u8 l4_prefix)
{
	if (l4_prefix == 0)
		return by_identity ? CL7_MATCH_L3_ONLY : CL7_MATCH_ALL;
	if (l4_prefix <= CL7_POLICY_PREFIX_PROTO - CL7_POLICY_PREFIX_FIXED)
		return by_identity ? CL7_MATCH_L3_PROTO : CL7_MATCH_PROTO_ONLY;
	return by_identity ? CL7_MATCH_L3_L4 : CL7_MATCH_L4_ONLY;
}

/* [AU] a drop decided in an audited direction passes, marked audited */
static __always_inline void cl7_policy_audit(struct cl7_verdict *v, __u8 flags,
					     __u8 direction)
{
	__u8 audit = direction == CL7_DIR_INGRESS ? CL7_EP_INGRESS_AUDIT :
						   CL7_EP_EGRESS_AUDIT;

	if (v->verdict == CL7_POLICY_DENY && (flags & audit)) {
		v->verdict = CL7_POLICY_ALLOW;
		v->audited = 1;
	}
}

/* [D] [A] [X] over one table: the enforcing entries (deny_kind/allow_kind
 * CL7_POLICY_KIND_DENY/ALLOW) or the audit entries (CL7_POLICY_KIND_AUDIT_*). */
static __always_inline void cl7_policy_table(struct cl7_policy_key *key,
					     __u32 remote_identity,
					     __u8 deny_kind, __u8 allow_kind,
					     struct cl7_verdict *v)
{
	struct cl7_policy_value *by_id, *by_any, *hit;

	/* [D] deny wins */
	key->kind = deny_kind;
	key->identity = remote_identity;
	hit = bpf_map_lookup_elem(&cl7_policy, key);
	if (hit) {
		v->match_type = cl7_match_type(1, hit->l4_prefix);
	} else {
		key->identity = 0;
		hit = bpf_map_lookup_elem(&cl7_policy, key);
		if (hit)
			v->match_type = cl7_match_type(0, hit->l4_prefix);
	}
	if (hit) {
		v->verdict = CL7_POLICY_DENY;
		v->reason = CL7_DROP_POLICY_DENY;
		v->cookie = hit->cookie;
		return;
	}

	/* [A] allow: longest L4 prefix, identity wins a tie */
	key->kind = allow_kind;
	key->identity = remote_identity;
	by_id = bpf_map_lookup_elem(&cl7_policy, key);
	key->identity = 0;
	by_any = bpf_map_lookup_elem(&cl7_policy, key);
	if (by_id && (!by_any || by_id->l4_prefix >= by_any->l4_prefix)) {
		hit = by_id;
		v->match_type = cl7_match_type(1, hit->l4_prefix);
		goto allowed;
	}
	/* opaque to clang here: it may otherwise test "by_id | by_any" for
	 * "neither", which the verifier refuses (pointer arithmetic) */
	asm volatile("" : "+r"(by_any));
	if (by_any) {
		hit = by_any;
		v->match_type = cl7_match_type(0, hit->l4_prefix);
	} else {
		/* [X] default deny */
		v->verdict = CL7_POLICY_DENY;
		v->reason = CL7_DROP_POLICY_DENIED;
		return;
	}
allowed:
	v->verdict = hit->verdict == CL7_POLICY_REDIRECT ? CL7_POLICY_REDIRECT :
							   CL7_POLICY_ALLOW;
	v->proxy_port = hit->proxy_port;
	v->cookie = hit->cookie;
}

/* [AB] the enforcing entries let it through: would the audited policies
 * beside them drop it? Then it passes as decided, reported as AUDIT with
 * what the audited policies would have done (reason, their deny's cookie). */
static __always_inline void cl7_policy_audit_beside(struct cl7_policy_key *key,
						    __u32 remote_identity,
						    struct cl7_verdict *v)
{
	struct cl7_verdict a;

	__builtin_memset(&a, 0, sizeof(a));
	cl7_policy_table(key, remote_identity, CL7_POLICY_KIND_AUDIT_DENY,
			 CL7_POLICY_KIND_AUDIT_ALLOW, &a);
	if (a.verdict != CL7_POLICY_DENY)
		return;
	v->audited = 1;
	v->reason = a.reason;
	v->cookie = a.cookie;
	v->match_type = a.match_type;
}

static __always_inline void cl7_policy_lookup(__u32 endpoint_id, __u8 direction,
					      __u32 remote_identity,
					      const struct cl7_packet *pkt,
					      struct cl7_verdict *v)
{
	struct cl7_ep_policy *state;
	struct cl7_policy_key key;
	__u8 gen, flags, mask, beside;

	__builtin_memset(v, 0, sizeof(*v));
	v->verdict = CL7_POLICY_ALLOW;

	state = bpf_map_lookup_elem(&cl7_ep_policy, &endpoint_id);
	if (!state)
		return;
	/* read the generation once: this packet sees one policy */
	gen = *(volatile __u8 *)&state->gen;
	flags = *(volatile __u8 *)&state->flags;
	v->revision = state->revision;
	mask = direction == CL7_DIR_INGRESS ? CL7_EP_INGRESS_ENFORCED :
					      CL7_EP_EGRESS_ENFORCED;
	if (!(flags & mask))
		return;
	v->enforced = 1;

	__builtin_memset(&key, 0, sizeof(key));
	key.prefixlen = CL7_POLICY_PREFIX_FULL;
	key.endpoint_id = endpoint_id;
	key.gen = gen;
	key.direction = direction;
	key.protocol = pkt->tuple.protocol;
	key.dport = pkt->policy_port;

	cl7_policy_table(&key, remote_identity, CL7_POLICY_KIND_DENY,
			 CL7_POLICY_KIND_ALLOW, v);
	if (v->verdict == CL7_POLICY_DENY) {
		cl7_policy_audit(v, flags, direction);	/* [AU] */
		return;
	}
	if (v->verdict == CL7_POLICY_REDIRECT && !v->proxy_port) {
		/* a redirect without a port can never reach a proxy */
		v->verdict = CL7_POLICY_DENY;
		v->reason = CL7_DROP_PROXY_LOOKUP_FAILED;
		return;
	}
	beside = direction == CL7_DIR_INGRESS ? CL7_EP_INGRESS_AUDIT_BESIDE :
						CL7_EP_EGRESS_AUDIT_BESIDE;
	if (flags & beside)
		cl7_policy_audit_beside(&key, remote_identity, v);	/* [AB] */
}

#endif /* CL7_POLICY_H */
