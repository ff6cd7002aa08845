#!/usr/bin/env bash
# Checks the cases written by lab/run.sh against what the router must have done.
#   lab/check.sh OUTDIR            (prints one line per case; exit 1 if any check failed)
# Needs tshark and jq (installed from Debian when missing).
set -euo pipefail
export LC_ALL=C
[[ $# -eq 1 ]] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
missing=()
command -v tshark >/dev/null || missing+=(tshark)
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

ts() { tshark -n -r "$@" 2>/dev/null; }
# the address carried by every PORT / EPRT command in a capture, one per line
port_addrs() {
  ts "$1" -Y 'ftp.request.command == "PORT" || ftp.request.command == "EPRT"' \
      -T fields -e ftp.request.command -e ftp.request.arg |
  awk -F'\t' '$1=="PORT"{ split($2,a,","); print a[1]"."a[2]"."a[3]"."a[4] }
              $1=="EPRT"{ d=substr($2,1,1); split($2,a,d); print a[3] }'
}

fail=0
for case in "$OUT"/*/case.json; do
  d=$(dirname "$case"); sc=$(basename "$d"); errs=()
  err() { errs+=("$*"); }
  alg=$(jq -r .alg "$case"); nat=$(jq -r .nat "$case"); verdict=$(jq -r .expected.verdict "$case")
  client=$(jq -r .topology.client "$case"); server=$(jq -r .topology.server "$case")
  natA=$(jq -r '.topology.natAddress // empty' "$case")

  for f in inside.pcap outside.pcap conntrack.txt expect.txt events.txt ruleset.txt; do
    [[ -f $d/$f ]] || err "missing $f"
  done

  in_ports=$(port_addrs "$d/inside.pcap" | sort -u | xargs)
  out_ports=$(port_addrs "$d/outside.pcap" | sort -u | xargs)
  sample=$(ts "$d/outside.pcap" -Y 'ftp.request.command == "PORT" || ftp.request.command == "EPRT"' \
             -T fields -e ftp.request.command -e ftp.request.arg | head -1 | tr '\t' ' ')
  if [[ -n $in_ports ]]; then
    [[ $in_ports == "$client" ]] || err "inside PORT/EPRT names '$in_ports', not the client $client"
    if [[ $nat == none ]]; then want=$client      # routed IPv6: nothing to rewrite
    elif [[ $alg == true ]]; then want=$natA      # helper: rewritten to the NAT address
    else want=$client; fi                         # no helper: private address leaks out
    [[ $out_ports == "$want" ]] || err "outside PORT/EPRT names '$out_ports', expected $want"
  fi

  # passive replies are never rewritten here (the server's address is public)
  in_pasv=$(ts "$d/inside.pcap" -Y 'ftp.response.code == 227 || ftp.response.code == 229' -T fields -e ftp.response.arg | xargs)
  out_pasv=$(ts "$d/outside.pcap" -Y 'ftp.response.code == 227 || ftp.response.code == 229' -T fields -e ftp.response.arg | xargs)
  [[ $in_pasv == "$out_pasv" ]] || err "227/229 differ inside/outside"

  # router state
  if [[ $alg == true ]]; then
    grep -q 'dport=21 .*helper=ftp' "$d/conntrack.txt" || err "no helper=ftp on the control flow"
    [[ -s $d/expect.txt ]] || err "no expectation recorded"
  else
    ! grep -q 'helper=' "$d/conntrack.txt" || err "helper= present without a helper"
  fi
  grep -Eq 'packets=[0-9]+ bytes=[0-9]+ .*packets=[0-9]+ bytes=[0-9]+' "$d/conntrack.txt" ||
    err "no accounting counters in conntrack.txt"
  grep -q '\[NEW\]' "$d/events.txt" || err "no [NEW] in events.txt"
  grep -q 'counter packets [1-9]' "$d/ruleset.txt" || err "no non-zero counters in ruleset.txt"

  # data connections
  data_in=$(ts "$d/inside.pcap" -Y 'ftp-data' | wc -l)
  if [[ $verdict == pass ]]; then
    [[ $data_in -gt 0 ]] || err "no ftp-data on the inside"
  else
    syn_out=$(ts "$d/outside.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==$server && ip.dst==$client" | wc -l)
    syn_in=$(ts "$d/inside.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==$server" | wc -l)
    [[ $syn_out -gt 0 && $syn_in -eq 0 ]] ||
      err "expected server SYNs to $client outside only (outside $syn_out, inside $syn_in)"
    grep -q 'counter packets [1-9].* drop' "$d/ruleset.txt" || err "drop counter is zero"
  fi

  if [[ ${#errs[@]} -eq 0 ]]; then
    printf '%-26s ok    outside: %s\n' "$sc" "${sample:-$(echo "$out_pasv" | cut -c1-60)}"
  else
    printf '%-26s FAIL  %s\n' "$sc" "$(IFS=';'; echo "${errs[*]}")"; fail=1
  fi
done
left=$(ip netns list 2>/dev/null | grep -c '^algv-' || true)
[[ $left -eq 0 ]] && echo "namespaces: none left" || { echo "namespaces: $left algv-* left"; fail=1; }
exit "$fail"
