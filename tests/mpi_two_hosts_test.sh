#!/usr/bin/env bash
# ctest distrib/mpi-two-hosts: one job over two "hosts" made of two network namespaces of this
# machine, joined by a veth link, so that Open MPI's remote launch and its TCP transport are
# really used (not shared memory). mpirun starts in the first namespace; the second is reached
# through a launcher script given as plm_rsh_agent, which does what ssh would: it runs Open
# MPI's daemon in the other namespace (under its own host name, so that messages can say
# which host met a bad photo). Both namespaces see the same files, like nodes on a shared
# filesystem. Checks: the outputs are the bytes of a single process; a bad photo is reported
# with the host that read it.
#
# usage: mpi_two_hosts_test.sh SEALION_BINARY MODEL
# exit 77 (skipped, with the reason) where namespaces cannot be made (not root, no ip/unshare).
set -euo pipefail
sealion="$(realpath "$1")"
model="$(realpath "$2")"
skip() { echo "SKIPPED: $*"; exit 77; }
command -v mpirun > /dev/null || skip "mpirun is not installed (scripts/install-deps.sh installs Open MPI)"
command -v ip > /dev/null || skip "ip (iproute2) is not installed"
command -v unshare > /dev/null || skip "unshare (util-linux) is not installed"
[ "$(id -u)" = 0 ] || skip "creating network namespaces needs root"

source "$(dirname "$0")/mpi_support.sh"
unset OMPI_MCA_btl_vader_single_copy_mechanism  # TCP only here
work="$(mktemp -d)"
suffix="$$"
ns_a="sealion-a-$suffix" ns_b="sealion-b-$suffix"
# A private test subnet, used only inside the namespaces this test makes.
addr_a=10.231.77.1 addr_b=10.231.77.2 subnet=10.231.77.0/24
cleanup() {
  ip netns del "$ns_a" 2> /dev/null || true
  ip netns del "$ns_b" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; exit 1; }

ip netns add "$ns_a" 2> /dev/null || skip "cannot create network namespaces here (no CAP_SYS_ADMIN?)"
ip netns add "$ns_b"
ip link add "sla$suffix" type veth peer name "slb$suffix" 2> /dev/null \
  || skip "cannot create a veth link here"
ip link set "sla$suffix" netns "$ns_a"
ip link set "slb$suffix" netns "$ns_b"
ip -n "$ns_a" addr add "$addr_a/24" dev "sla$suffix"
ip -n "$ns_b" addr add "$addr_b/24" dev "slb$suffix"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set "sla$suffix" up
ip -n "$ns_b" link set "slb$suffix" up

# The "ssh" of this cluster: skips ssh-style options, maps the host address to its namespace
# and host name, and runs the command there.
cat > "$work/launch-in-namespace.sh" << EOF
#!/bin/sh
while [ \$# -gt 0 ]; do
  case "\$1" in
    -*) shift ;;
    *) break ;;
  esac
done
host="\$1"; shift
case "\$host" in
  $addr_a) ns=$ns_a name=node-a ;;
  $addr_b) ns=$ns_b name=node-b ;;
  *) echo "launch-in-namespace: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts /bin/sh -c "hostname \$name; \$*"
EOF
chmod +x "$work/launch-in-namespace.sh"
cd "$work"

mpi_two_hosts() {
  ip netns exec "$ns_a" unshare --uts /bin/sh -c 'hostname node-a; exec "$@"' sh \
    mpirun --host "$addr_a,$addr_b" -np 2 --oversubscribe \
    --mca plm_rsh_agent "$work/launch-in-namespace.sh" \
    --mca pml ob1 --mca btl tcp,self \
    --mca btl_tcp_if_include "$subnet" --mca oob_tcp_if_include "$subnet" "$@"
}

"$sealion" synth -o survey --train 0 --test 5 --width 1200 --height 900 --seed 4 > /dev/null 2>&1
"$sealion" count survey/Test --model "$model" -o one.csv --detections one-det.csv > /dev/null 2>&1

# Both ranks must be up, one per host. Each rank prints its host name; mpirun's own warnings
# may come between them (a loaded machine drew "plm:rsh: Warning: setpgid(...) failed" from the
# launcher on 2026-12-05), so only whole lines that are host names are compared.
mpi_two_hosts hostname > hosts.txt 2>&1 || { cat hosts.txt; fail "mpirun cannot start ranks on the two namespaces"; }
[ "$(grep -x 'node-[ab]' hosts.txt | sort | tr '\n' ' ')" = "node-a node-b " ] || { cat hosts.txt; fail "expected one rank on node-a and one on node-b"; }

mpi_two_hosts "$sealion" count survey/Test --model "$model" -o two.csv --detections two-det.csv \
  > two.log 2>&1 || { cat two.log; fail "count over two hosts"; }
cmp one.csv two.csv || fail "the submission over two hosts differs from one process's"
cmp one-det.csv two-det.csv || fail "the detections over two hosts differ from one process's"
echo "ok: count over two hosts (TCP between namespaces) wrote the same bytes as one process"

# Bad photos on both hosts: each reported with the host that read it.
mkdir bad && cp survey/Test/*.jpg bad/
for id in 0 1 2 3; do head -c 1500 "survey/Test/$id.jpg" > "bad/$id.jpg"; done
set +e
mpi_two_hosts "$sealion" count bad --model "$model" -o bad.csv > bad.log 2>&1
status=$?
set -e
[ "$status" -ne 0 ] || fail "a job with bad photos exited 0"
grep -q "^failed: bad/.*(rank [01] on node-[ab])" bad.log || { cat bad.log; fail "bad photos not reported with their host"; }
echo "ok: bad photos reported with rank and host ($(grep -o 'on node-[ab]' bad.log | sort -u | tr '\n' ' ')), exit code $status"
