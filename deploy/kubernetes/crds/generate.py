#!/usr/bin/env python3
"""Writes the CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy CRDs.

Both kinds share one Rule schema, so it is written once here. The schema is
structural and names every field the agent reads; nothing preserves unknown
fields, so a misspelled field (matchLables) is an "unknown field" error under
strict field validation (kubectl's default) instead of being pruned silently.

Run: python3 deploy/kubernetes/crds/generate.py [OUTDIR]
(default OUTDIR: this folder; a test checks the committed files are current)
"""
import os
import sys


def obj(props, required=None, **extra):
    s = {"type": "object", "properties": props}
    if required:
        s["required"] = required
    s.update(extra)
    return s


def arr(items, **extra):
    s = {"type": "array", "items": items}
    s.update(extra)
    return s


def string(**extra):
    s = {"type": "string"}
    s.update(extra)
    return s


def integer(**extra):
    s = {"type": "integer"}
    s.update(extra)
    return s


BOOL = {"type": "boolean"}

LABEL_SELECTOR = obj({
    "matchLabels": {"type": "object", "additionalProperties": string(maxLength=63)},
    "matchExpressions": arr(obj({
        "key": string(),
        "operator": string(enum=["In", "NotIn", "Exists", "DoesNotExist"]),
        "values": arr(string()),
    }, required=["key", "operator"])),
}, description="A label selector; {} selects everything.")

CIDR = string(description="An IPv4 or IPv6 CIDR (or a single address).")

CIDR_RULE = obj({
    "cidr": CIDR,
    "except": arr(CIDR),
    "cidrGroupRef": string(),
}, description="A CIDR with exceptions inside it.")

ENTITY = string(enum=["all", "world", "world-ipv4", "world-ipv6", "cluster", "host", "init", "ingress",
                      "unmanaged", "remote-node", "health", "none", "kube-apiserver"])

PORT = obj({
    "port": {"x-kubernetes-int-or-string": True, "description": "A port number or a named port."},
    "endPort": integer(minimum=0, maximum=65535),
    "protocol": string(enum=["TCP", "UDP", "SCTP", "ANY"]),
}, required=["port"])

SECRET_REF = obj({"name": string(), "namespace": string()}, required=["name"])

TLS = obj({
    "secret": SECRET_REF,
    "certificate": string(),
    "privateKey": string(),
    "trustedCA": string(),
})

HTTP = obj({
    "path": string(description="Regular expression, matched against the whole request target."),
    "method": string(description="Regular expression, matched against the whole method."),
    "host": string(description="Regular expression, matched against the whole Host."),
    "headers": arr(string(), description='"Name: value" (exact) or "Name" (present).'),
    "headerMatches": arr(obj({
        "name": string(),
        "value": string(),
        "secret": SECRET_REF,
        "mismatch": string(enum=["", "LOG", "ADD", "DELETE", "REPLACE"]),
    }, required=["name"])),
})

DNS_NAME = obj({
    "matchName": string(maxLength=255, pattern=r"^([-a-zA-Z0-9_]+[.]?)+$"),
    "matchPattern": string(maxLength=255, pattern=r"^([-a-zA-Z0-9_*]+[.]?)+$"),
})

KAFKA = obj({
    "role": string(enum=["produce", "consume"]),
    "apiKey": string(),
    "apiVersion": string(),
    "clientID": string(),
    "topic": string(maxLength=255, pattern=r"^[a-zA-Z0-9._-]+$"),
})

L7 = obj({
    "http": arr(HTTP),
    "dns": arr(DNS_NAME),
    "kafka": arr(KAFKA),
    "l7proto": string(),
    "l7": arr({"type": "object", "additionalProperties": string()}),
})

PORT_RULE = obj({
    "ports": arr(PORT, maxItems=40),
    "rules": L7,
    "serverNames": arr(string()),
    "terminatingTLS": TLS,
    "originatingTLS": TLS,
})

PORT_RULE_DENY = obj({"ports": arr(PORT, maxItems=40)})

ICMP = obj({"fields": arr(obj({
    "type": {"x-kubernetes-int-or-string": True},
    "family": string(enum=["IPv4", "IPv6"]),
}, required=["type"]), maxItems=40)})

SERVICE = obj({
    "k8sService": obj({"serviceName": string(), "namespace": string()}),
    "k8sServiceSelector": obj({"selector": LABEL_SELECTOR, "namespace": string()}, required=["selector"]),
})

FQDN = DNS_NAME


def ingress(deny):
    return obj({
        "fromEndpoints": arr(LABEL_SELECTOR),
        "fromRequires": arr(LABEL_SELECTOR),
        "fromCIDR": arr(CIDR),
        "fromCIDRSet": arr(CIDR_RULE),
        "fromEntities": arr(ENTITY),
        "fromNodes": arr(LABEL_SELECTOR),
        "toPorts": arr(PORT_RULE_DENY if deny else PORT_RULE),
        "icmps": arr(ICMP),
    })


def egress(deny):
    props = {
        "toEndpoints": arr(LABEL_SELECTOR),
        "toRequires": arr(LABEL_SELECTOR),
        "toCIDR": arr(CIDR),
        "toCIDRSet": arr(CIDR_RULE),
        "toEntities": arr(ENTITY),
        "toServices": arr(SERVICE),
        "toNodes": arr(LABEL_SELECTOR),
        "toPorts": arr(PORT_RULE_DENY if deny else PORT_RULE),
        "icmps": arr(ICMP),
    }
    if not deny:
        props["toFQDNs"] = arr(FQDN)
    return obj(props)


RULE = obj({
    "endpointSelector": LABEL_SELECTOR,
    "nodeSelector": LABEL_SELECTOR,
    "ingress": arr(ingress(False)),
    "ingressDeny": arr(ingress(True)),
    "egress": arr(egress(False)),
    "egressDeny": arr(egress(True)),
    "labels": arr(obj({"key": string(), "value": string(), "source": string()}, required=["key"])),
    "description": string(),
    "enableDefaultDeny": obj({"ingress": BOOL, "egress": BOOL}),
    "log": obj({"value": string(maxLength=32)}),
}, description="One policy rule: which endpoints (or nodes) it selects and what they may send and receive.")

STATUS = obj({
    "nodes": {"type": "object", "additionalProperties": obj({
        "ok": BOOL, "error": string(), "enforcing": BOOL, "revision": integer(), "lastUpdated": string(),
    })},
    "conditions": arr(obj({
        "type": string(), "status": string(), "reason": string(), "message": string(), "lastTransitionTime": string(),
    }, required=["type", "status"])),
}, description="Written by the agents: conditions[type=Valid] says whether the policy passed validation (its message names every error).")


def crd(kind, plural, short, scope):
    schema = obj({
        "apiVersion": string(),
        "kind": string(),
        "metadata": {"type": "object"},
        "spec": RULE,
        "specs": arr(RULE),
        "status": STATUS,
    }, required=["metadata"])
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.cilium.io", "labels": {"app.kubernetes.io/part-of": "ciliuml7"}},
        "spec": {
            "group": "cilium.io",
            "names": {
                "kind": kind,
                "listKind": kind + "List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short,
                "categories": ["cilium", "ciliumpolicy"],
            },
            "scope": scope,
            "versions": [{
                "name": "v2",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    # The agents write a Valid condition (False + every error when the policy is rejected).
                    {"name": "Valid", "type": "string", "jsonPath": ".status.conditions[?(@.type=='Valid')].status"},
                ],
                "schema": {"openAPIV3Schema": schema},
            }],
        },
    }


def scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit(v, indent, out):
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            out[-1] += " {}"
            return
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{k}:")
                emit(x, indent + 1 if isinstance(x, dict) else indent, out)
            elif isinstance(x, dict):
                out.append(f"{pad}{k}: {{}}")
            elif isinstance(x, list):
                out.append(f"{pad}{k}: []")
            else:
                out.append(f"{pad}{k}: {scalar(x)}")
    else:
        for x in v:
            if isinstance(x, dict) and x:
                out.append(f"{pad}-")
                first = len(out)
                emit(x, indent + 1, out)
                out[first - 1] = f"{pad}- " + out[first].lstrip()
                del out[first]
            else:
                out.append(f"{pad}- {scalar(x)}")


def write(path, doc):
    out = ["# Generated by generate.py in this folder; edit that, then run it."]
    emit(doc, 0, out)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
write(os.path.join(here, "ciliumnetworkpolicies.yaml"),
      crd("CiliumNetworkPolicy", "ciliumnetworkpolicies", ["cnp", "ciliumnp"], "Namespaced"))
write(os.path.join(here, "ciliumclusterwidenetworkpolicies.yaml"),
      crd("CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", ["ccnp"], "Cluster"))
sys.exit(0)
