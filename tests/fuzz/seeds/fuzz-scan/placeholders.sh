#!/bin/sh
# k3s join helper: every value here is a placeholder or a reference
K3S_TOKEN=<token>
K3S_TOKEN=${K3S_TOKEN}
K3S_TOKEN="$K3S_TOKEN"
K3S_AGENT_TOKEN=$(cat /run/secrets/k3s-agent-token)
K3S_TOKEN=changeme
K3S_TOKEN=xxxxxxxx
K3S_TOKEN=...
K3S_TOKEN=""
K3S_TOKEN=YOUR_TOKEN_HERE
K3S_TOKEN_FILE=/etc/rancher/k3s/token
K3S_AGENT_TOKEN_FILE=/etc/rancher/k3s/agent-token
echo "token is in $K3S_TOKEN"
k3s agent --token-file /etc/rancher/k3s/token --server https://10.0.0.1:6443
k3s agent --token "${K3S_TOKEN}"
k3s agent --token {{ k3s_token }}
k3s agent --token TOKEN
k3s agent --token <your-token>
k3s agent --token ...
k3s agent --token "$(pass show k3s/token)"
k3s agent -t "$TOKEN"
k3s server --agent-token-file /etc/rancher/k3s/agent-token
