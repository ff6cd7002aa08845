#!/usr/bin/env bash
# Checks the cases written by lab/run.sh against what the router must have done.
# FTP cases: PORT/EPRT rewriting, helper state, data connections. RTSP cases (no ALG): SETUP
# Transport identical on both sides, RTP counts per side, ICMP port unreachable when blocked.
# SIP cases: Via/SDP rewritten (helper) or not, Content-Length, the hold o= quirk, helper=sip and its
# expectations, RTP per side and direction. TFTP cases: RRQ/WRQ, helper=tftp and its expectations,
# the server's transfer packets inside/outside, ICMP port unreachable when blocked.
#   lab/check.sh [--install] OUTDIR   (prints one line per case; exit 1 if any check failed)
# Needs tshark and jq: installed from Debian with --install, otherwise named (exit 3).
set -euo pipefail
export LC_ALL=C
INSTALL=false
[[ ${1:-} == --install ]] && { INSTALL=true; shift; }
[[ $# -eq 1 ]] || { echo "usage: $0 [--install] OUTDIR" >&2; exit 2; }
OUT=$1
missing=()
command -v tshark >/dev/null || missing+=(tshark)
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  $INSTALL || { echo "check.sh: missing ${missing[*]}: apt-get install ${missing[*]}, or pass --install" >&2; exit 3; }
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

# RTP packets of the lab's PCMU media (payload type 0; counted by RTP sequence number, so several
# interleaved frames in one TCP segment all count; ICMP errors quoting an RTP header are excluded)
# in capture $1 matching display filter $2. $3: decode-as options for the case's UDP ports.
rtp_count() {
  # shellcheck disable=SC2086
  ts "$1" $3 -Y "!icmp && rtp.version == 2 && rtp.p_type == 0 && ($2)" -T fields -e rtp.seq |
    tr ',' '\n' | grep -c . || true
}
check_rtsp() {  # uses case, d, client, server, natA, verdict, err
  local mode transport cp sp dec tin tout icmp_out icmp_in
  mode=$(jq -r .media.mode "$case"); transport=$(jq -r .media.transport "$case")
  cp=$(jq -r '.media.clientPorts[0]' "$case"); sp=$(jq -r '.media.serverPorts[0]' "$case")
  dec="-d udp.port==$sp,rtp -d udp.port==$cp,rtp -d udp.port==$((sp + 1)),rtcp -d udp.port==$((cp + 1)),rtcp"
  ! grep -q 'helper=' "$d/conntrack.txt" || err "helper= present (there is no RTSP helper)"
  # SETUP request Transport: no ALG, so byte-identical on both sides
  tin=$(ts "$d/inside.pcap" -Y 'rtsp.method == "SETUP"' -T fields -e rtsp.transport | xargs)
  tout=$(ts "$d/outside.pcap" -Y 'rtsp.method == "SETUP"' -T fields -e rtsp.transport | xargs)
  [[ -n $tin ]] || err "no SETUP inside"
  [[ $tin == "$tout" ]] || err "SETUP Transport differs: inside '$tin', outside '$tout'"
  if [[ $transport == udp ]]; then
    [[ $tout == *"client_port=$cp-$((cp + 1))"* ]] || err "outside SETUP does not carry client_port=$cp-$((cp + 1))"
  else
    [[ $tout == *"interleaved=0-1"* ]] || err "SETUP is not interleaved=0-1"
  fi
  icmp_out=$(ts "$d/outside.pcap" -Y "icmp.type == 3 && icmp.code == 3 && ip.src == $natA && ip.dst == $server" | wc -l)
  icmp_in=$(ts "$d/inside.pcap" -Y 'icmp' | wc -l)
  [[ $icmp_in -eq 0 ]] || err "ICMP inside ($icmp_in)"
  local r_in r_out
  if [[ $transport == interleaved ]]; then
    r_in=$(rtp_count "$d/inside.pcap" "tcp.port == 554" "")
    r_out=$(rtp_count "$d/outside.pcap" "tcp.port == 554" "")
    [[ $r_in -gt 0 && $r_in -eq $r_out ]] || err "interleaved RTP inside $r_in, outside $r_out, expected the same non-zero count"
    [[ $(ts "$d/outside.pcap" -Y udp | wc -l) -eq 0 ]] || err "UDP outside in an interleaved case"
    [[ $icmp_out -eq 0 ]] || err "ICMP port unreachable outside ($icmp_out)"
    RSUM="SETUP '$tout'; RTP in TCP: inside $r_in, outside $r_out"
  elif [[ $mode == record ]]; then
    r_in=$(rtp_count "$d/inside.pcap" "ip.src == $client && udp.dstport == $sp" "$dec")
    r_out=$(rtp_count "$d/outside.pcap" "ip.src == $natA && ip.dst == $server && udp.dstport == $sp" "$dec")
    [[ $r_in -gt 0 && $r_in -eq $r_out ]] || err "client->server RTP inside $r_in, outside $r_out, expected the same non-zero count"
    [[ $icmp_out -eq 0 ]] || err "ICMP port unreachable outside ($icmp_out)"
    RSUM="SETUP '$tout'; RTP client->server: inside $r_in, outside $r_out"
  else
    r_in=$(rtp_count "$d/inside.pcap" "ip.src == $server && ip.dst == $client" "$dec")
    r_out=$(rtp_count "$d/outside.pcap" "ip.src == $server && ip.dst == $natA && udp.dstport == $cp" "$dec")
    [[ $r_out -gt 0 ]] || err "no server->NAT RTP outside"
    if [[ $verdict == pass ]]; then
      [[ $r_in -eq $r_out ]] || err "server->client RTP inside $r_in, outside $r_out"
      [[ $icmp_out -eq 0 ]] || err "ICMP port unreachable outside ($icmp_out)"
    else
      [[ $r_in -eq 0 ]] || err "server->client RTP inside $r_in, expected 0 (blocked)"
      [[ $icmp_out -gt 0 ]] || err "no ICMP port unreachable from $natA outside"
      grep -q 'counter packets [1-9].*udp to the router itself' "$d/ruleset.txt" || err "input counter (udp to the router itself) is zero"
    fi
    RSUM="SETUP '$tout'; RTP server->client: outside $r_out, inside $r_in; ICMP port unreach outside $icmp_out"
  fi
}

# SIP (uses case, d, client, server, natA, alg, verdict, err): tshark decodes SIP/SDP on 5060 and
# RTP on the media ports; everything is compared with what the helper must (not) have rewritten.
check_sip() {
  local cp sp want in_via out_via in_c out_c in_cl out_cl hold o dec r
  cp=$(jq -r .media.clientMediaPort "$case"); sp=$(jq -r .media.serverMediaPort "$case")
  if [[ $alg == true ]]; then want=$natA; else want=$client; fi
  # requests from the client: topmost Via sent-by and the SDP c= of the first INVITE
  in_via=$(ts "$d/inside.pcap" -Y "sip.Request-Line && ip.src == $client" -T fields -e sip.Via | sed 's/^SIP\/2.0\/[A-Z]* \([^;:]*\).*/\1/' | sort -u | xargs)
  out_via=$(ts "$d/outside.pcap" -Y "sip.Request-Line && ip.dst == $server" -T fields -e sip.Via | sed 's/^SIP\/2.0\/[A-Z]* \([^;:]*\).*/\1/' | sort -u | xargs)
  [[ $in_via == "$client" ]] || err "inside Via names '$in_via', not the client"
  [[ $out_via == "$want" ]] || err "outside Via names '$out_via', expected $want"
  read -r in_c in_cl < <(ts "$d/inside.pcap" -Y 'sip.Method == "INVITE" && sdp' -T fields -e sdp.connection_info.address -e sip.Content-Length | head -1)
  read -r out_c out_cl < <(ts "$d/outside.pcap" -Y 'sip.Method == "INVITE" && sdp' -T fields -e sdp.connection_info.address -e sip.Content-Length | head -1)
  [[ $in_c == "$client" ]] || err "inside INVITE SDP c= '$in_c'"
  [[ $out_c == "$want" ]] || err "outside INVITE SDP c= '$out_c', expected $want"
  if [[ $alg == true ]]; then
    [[ $out_cl -eq $((in_cl + 2 * (${#natA} - ${#client}))) ]] || err "Content-Length $in_cl -> $out_cl, expected +$((2 * (${#natA} - ${#client})))"
    grep -q "dport=$(jq -r '.commands[]' "$case" | grep -o -m1 ' -p [0-9]*' | tr -dc 0-9) .*helper=sip" "$d/conntrack.txt" || err "no helper=sip on the signalling flow"
    grep -q "NEW\].*dport=$cp .*class=1 helper=sip" "$d/expect-events.txt" || err "no media expectation for :$cp in expect-events.txt"
    [[ $(jq -r .media.register "$case") == false ]] || grep -q 'PERMANENT.*helper=sip' "$d/expect-events.txt" || err "no PERMANENT signalling expectation (REGISTER)"
  else
    [[ $out_cl == "$in_cl" ]] || err "Content-Length changed without a helper ($in_cl -> $out_cl)"
    ! grep -q 'helper=' "$d/conntrack.txt" || err "helper= present without a helper"
  fi
  hold=$(jq -r .media.holdReInvite "$case")
  if [[ $hold == true ]]; then
    o=$(ts "$d/outside.pcap" -Y 'sip.Method == "INVITE" && sdp.connection_info.address == 0.0.0.0' -T fields -e sdp.owner | head -1)
    [[ -n $o ]] || err "no hold re-INVITE (c=0.0.0.0) outside"
    if [[ $alg == true ]]; then [[ $o == *" IN IP4 0.0.0.0" ]] || err "hold re-INVITE o= '$o', the helper writes 0.0.0.0"
    else [[ $o == *" IN IP4 $client" ]] || err "hold re-INVITE o= '$o' changed without a helper"; fi
  fi
  # RTP (payload type 0) per side and direction, by tshark's RTP decoder
  dec="-d udp.port==$sp,rtp -d udp.port==$cp,rtp"
  local -A n=()
  for side in inside outside; do
    n[$side.c2s]=$(rtp_count "$d/$side.pcap" "ip.dst == $server && udp.dstport == $sp" "$dec")
    n[$side.s2c]=$(rtp_count "$d/$side.pcap" "ip.src == $server && udp.srcport == $sp" "$dec")
    for r in c2s s2c; do
      [[ ${n[$side.$r]} -eq $(jq -r ".media.rtpDatagrams.$side.$([[ $r == c2s ]] && echo clientToServer || echo serverToClient)" "$case") ]] ||
        err "$side $r RTP: tshark counts ${n[$side.$r]}, case.json says otherwise"
    done
  done
  [[ ${n[inside.c2s]} -gt 0 && ${n[inside.c2s]} -eq ${n[outside.c2s]} ]] || err "client->server RTP inside ${n[inside.c2s]}, outside ${n[outside.c2s]}"
  if [[ $verdict == pass ]]; then
    [[ ${n[inside.s2c]} -gt 0 && ${n[inside.s2c]} -eq ${n[outside.s2c]} ]] || err "server->client RTP inside ${n[inside.s2c]}, outside ${n[outside.s2c]}"
  else
    r=$(rtp_count "$d/outside.pcap" "ip.src == $server && ip.dst == $client" "$dec")
    [[ ${n[inside.s2c]} -eq 0 && $r -gt 0 ]] || err "expected server RTP to $client outside only (outside $r, inside ${n[inside.s2c]})"
    grep -q 'counter packets [1-9].* drop' "$d/ruleset.txt" || err "drop counter is zero"
  fi
  RSUM="outside Via $out_via, SDP c=$out_c, Content-Length $in_cl->$out_cl; RTP c2s ${n[inside.c2s]}/${n[outside.c2s]}, s2c ${n[inside.s2c]}/${n[outside.s2c]} (inside/outside)"
}

# TFTP (uses case, d, server, natA, alg, verdict, err): the requests, the server's transfer packets
# (from a port other than 69) per side, expectations, ICMP port unreachable.
check_tftp() {
  local rrq wrq t_in t_out icmp
  rrq=$(ts "$d/outside.pcap" -Y "tftp.opcode == 1 && ip.dst == $server" | wc -l)
  wrq=$(ts "$d/outside.pcap" -Y "tftp.opcode == 2 && ip.dst == $server" | wc -l)
  [[ $rrq -ge 1 && $wrq -ge 1 ]] || err "RRQ $rrq, WRQ $wrq outside"
  t_in=$(ts "$d/inside.pcap" -Y "!icmp && udp && ip.src == $server && udp.srcport != 69" | wc -l)
  t_out=$(ts "$d/outside.pcap" -Y "!icmp && udp && ip.src == $server && udp.srcport != 69" | wc -l)
  icmp=$(ts "$d/outside.pcap" -Y "icmp.type == 3 && icmp.code == 3 && ip.src == $natA && ip.dst == $server" | wc -l)
  [[ $t_out -gt 0 ]] || err "no server transfer packets outside"
  if [[ $alg == true ]]; then
    grep -q 'dport=69 .*helper=tftp' "$d/conntrack.txt" || err "no helper=tftp on the request flows"
    [[ $(grep -c 'NEW\].*helper=tftp' "$d/expect-events.txt") -ge 2 ]] || err "fewer than 2 tftp expectations in expect-events.txt"
  else
    ! grep -q 'helper=' "$d/conntrack.txt" || err "helper= present without a helper"
  fi
  if [[ $verdict == pass ]]; then
    [[ $t_in -eq $t_out && $icmp -eq 0 ]] || err "server transfer packets inside $t_in, outside $t_out, ICMP $icmp"
    [[ $(jq '[.tftp.transfers[] | select(.completed)] | length' "$case") -eq 2 ]] || err "a transfer did not complete"
  else
    [[ $t_in -eq 0 && $icmp -gt 0 ]] || err "expected the server's packets outside only, answered with ICMP (inside $t_in, ICMP $icmp)"
    grep -q 'counter packets [1-9].* comment "icmp port unreachable sent"' "$d/ruleset.txt" || err "output ICMP counter is zero"
  fi
  RSUM="RRQ $rrq, WRQ $wrq; server transfer packets inside $t_in, outside $t_out; ICMP port unreachable $icmp"
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

  proto=$(jq -r '.protocol // "ftp"' "$case")
  if [[ $proto != ftp ]]; then
    RSUM=""
    check_$proto
    grep -Eq 'packets=[0-9]+ bytes=[0-9]+ .*packets=[0-9]+ bytes=[0-9]+' "$d/conntrack.txt" ||
      err "no accounting counters in conntrack.txt"
    grep -q '\[NEW\]' "$d/events.txt" || err "no [NEW] in events.txt"
    if [[ ${#errs[@]} -eq 0 ]]; then
      printf '%-30s ok    %s\n' "$sc" "$RSUM"
    else
      printf '%-30s FAIL  %s\n' "$sc" "$(IFS=';'; echo "${errs[*]}")"; fail=1
    fi
    continue
  fi

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
  elif jq -e '.expected.findings | index("alg.port-refused-foreign-address")' "$case" >/dev/null; then
    # the server refuses the unrewritten PORT and never connects
    refused=$(ts "$d/outside.pcap" -Y 'ftp.response.code == 500' -T fields -e ftp.response.arg | head -1)
    syn_out=$(ts "$d/outside.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==$server" | wc -l)
    [[ -n $refused ]] || err "no 500 reply to the PORT outside"
    [[ $syn_out -eq 0 ]] || err "the server opened a connection ($syn_out SYNs) although it refused the PORT"
  else
    syn_out=$(ts "$d/outside.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==$server && ip.dst==$client" | wc -l)
    syn_in=$(ts "$d/inside.pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==$server" | wc -l)
    [[ $syn_out -gt 0 && $syn_in -eq 0 ]] ||
      err "expected server SYNs to $client outside only (outside $syn_out, inside $syn_in)"
    grep -q 'counter packets [1-9].* drop' "$d/ruleset.txt" || err "drop counter is zero"
  fi

  if [[ ${#errs[@]} -eq 0 ]]; then
    printf '%-30s ok    outside: %s\n' "$sc" "${sample:-$(echo "$out_pasv" | cut -c1-60)}"
  else
    printf '%-30s FAIL  %s\n' "$sc" "$(IFS=';'; echo "${errs[*]}")"; fail=1
  fi
done
# only the namespaces these cases' runs created (their `ip netns add` commands in case.json): other
# runs on the machine may have theirs alive
ours=$(cat "$OUT"/*/case.json 2>/dev/null | jq -r '.commands[]? | select(startswith("ip netns add ")) | .[13:]' | sort -u)
left=$(comm -12 <(ip netns list 2>/dev/null | awk '{print $1}' | sort -u) <(printf '%s\n' "$ours" | sed '/^$/d') | xargs)
[[ -z $left ]] && echo "namespaces: none of this run's left" || { echo "namespaces: left behind: $left"; fail=1; }
exit "$fail"
