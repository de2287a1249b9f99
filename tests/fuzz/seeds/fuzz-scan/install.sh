#!/bin/sh
set -eu
export K3S_TOKEN=scriptsecret99
k3s server \
  --cluster-init \
  --agent-token agentpass77 \
  --datastore-endpoint="postgres://k3s:dbpass123@db.example:5432/k3s"
k3s agent -s https://srv:6443 -t shortflag55
k3s token rotate --token oldtok111 --new-token newtok222
