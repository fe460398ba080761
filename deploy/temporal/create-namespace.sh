#!/bin/sh
# Registers the namespace and the saga's search attributes once the server answers, with the Temporal CLI (in
# temporalio/admin-tools; `npm run cluster` builds it), then waits until a visibility query naming them is accepted:
# the frontend's search-attribute cache refreshes some seconds after a change, and a worker must not start before.
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
  "$cli" operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --name "$name" --type "${attribute#*=}" >/dev/null 2>&1 || true
  query="${query:+$query AND }$name IS NULL"
done
if [ -n "$query" ]; then
  until "$cli" workflow count --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --query "$query" >/dev/null 2>&1; do sleep 1; done
fi
echo "namespace $namespace ready on $TEMPORAL_ADDRESS"
