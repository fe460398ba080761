#!/bin/sh
# Registers the namespace and the saga's search attributes once the server answers, with the Temporal CLI (in
# temporalio/admin-tools; `npm run cluster` builds it), then waits until a visibility query naming them is accepted:
# each service's search-attribute cache refreshes up to a minute after a change, and a saga that upserts an attribute
# its history service does not know yet fails its workflow task.
# Settings: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_SEARCH_ATTRIBUTES ("Name=Type Name=Type"), TEMPORAL_CLI.
set -eu
cli="${TEMPORAL_CLI:-temporal}"
namespace="${TEMPORAL_NAMESPACE:-default}"

until "$cli" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do sleep 1; done
if ! "$cli" operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$namespace" >/dev/null 2>&1; then
  "$cli" operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --retention 7d
fi
query=""
for attribute in ${TEMPORAL_SEARCH_ATTRIBUTES:-}; do
  name="${attribute%%=*}"
  # A namespace just created is not known to every service for some seconds: retry until the attribute is listed.
  until "$cli" operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$namespace" | grep -qw "$name"; do
    "$cli" operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --name "$name" --type "${attribute#*=}" >/dev/null 2>&1 || sleep 1
  done
  query="${query:+$query AND }$name IS NULL"
done
if [ -n "$query" ]; then
  echo "waiting until the server's search-attribute cache has them (it refreshes within a minute of a change)"
  until "$cli" workflow count --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --query "$query" >/dev/null 2>&1; do sleep 1; done
fi
echo "namespace $namespace ready on $TEMPORAL_ADDRESS"
