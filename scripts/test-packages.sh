#!/usr/bin/env bash
# Installs the Debian packages from dist/ (scripts/package.sh) into a bare Debian 12 root made with debootstrap, and
# checks that they work there: the ringlabd service's own command line (ExecStart of its unit, as its user) starts a
# node that answers `redis-cli PING` and serves /metrics; the system user, the data directory and the conffile
# exist; `ringlab-sim` runs a shipped scenario and finds the course; the desktop entry validates. Slow (a few
# minutes, mostly debootstrap); needs root and the machine's Debian mirror (read from its apt sources).
#
#   scripts/test-packages.sh [--keep]     --keep leaves the root in build/debian-root for a look
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-packages.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "test-packages.sh: needs root (debootstrap and chroot)" >&2; exit 1; }
ls dist/ringlabd_*.deb >/dev/null 2>&1 || { echo "test-packages.sh: no dist/ringlabd_*.deb; run scripts/package.sh first" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

# The mirror this machine installs from.
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "test-packages.sh: cannot find a Debian mirror in /etc/apt/sources*" >&2; exit 1; }

root=$PWD/build/debian-root
cleanup() {
  for m in proc sys dev; do umountpoint "$root/$m"; done
  [ -n "${node:-}" ] && kill "$node" 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf "$root"
}
umountpoint() { mountpoint -q "$1" 2>/dev/null && umount -l "$1" || true; }
trap cleanup EXIT
if [ ! -x "$root/usr/bin/apt-get" ]; then
  rm -rf "$root"
  echo "== debootstrap bookworm (minbase) into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"; mount --rbind /sys "$root/sys"; mount --rbind /dev "$root/dev"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

echo "== installing the packages"
mkdir -p "$root/tmp/debs"; cp dist/*.deb "$root/tmp/debs/"
in_root apt-get update -qq
in_root sh -c 'apt-get install -y -qq --no-install-recommends redis-tools curl desktop-file-utils >/dev/null'
# ringlabd as docs/DEPLOY.md installs it: the commands of its `doc-test: package-install` blocks, without sudo.
install_commands=$(awk '/<!-- doc-test: package-install -->/ {want = 1; next}
                        want && /^```/ {if (inside) {want = 0; inside = 0} else inside = 1; next}
                        want && inside {sub(/^sudo /, ""); print}' docs/DEPLOY.md)
[ -n "$install_commands" ] || { echo "test-packages.sh: no package-install block in docs/DEPLOY.md" >&2; exit 1; }
echo "$install_commands" | sed 's/^/   (docs\/DEPLOY.md) /'
in_root sh -c "cd /tmp/debs && $install_commands" >/dev/null
if ls dist/ringlab_*.deb >/dev/null 2>&1; then
  in_root sh -c 'cd /tmp/debs && apt-get install -y -qq ./ringlab_*_amd64.deb >/dev/null'
fi

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
in_root getent passwd ringlab >/dev/null || fail "no system user 'ringlab'"
[ "$(in_root stat -c %U /var/lib/ringlab)" = ringlab ] || fail "/var/lib/ringlab is not owned by ringlab"
in_root dpkg-query --control-show ringlabd conffiles | grep -q /etc/ringlab/ringlabd.yaml ||
  fail "/etc/ringlab/ringlabd.yaml is not a conffile"
if in_root dpkg-query -W -f='${Depends}' ringlabd | grep -qi qt; then fail "ringlabd depends on Qt"; fi
for f in /usr/share/man/man8/ringlabd.8 /usr/share/bash-completion/completions/ringlabd \
         /usr/share/zsh/vendor-completions/_ringlabd; do
  [ -e "$root$f" ] || fail "the ringlabd package lacks $f"
done

# The unit's own command, as the unit's user.
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/ringlabd.service")
echo "== starting: $exec_start (as ringlab)"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin setpriv --reuid=ringlab --regid=ringlab --init-groups \
  $exec_start >"$root/tmp/ringlabd.log" 2>&1 &
node=$!
up=0
for _ in $(seq 1 100); do
  [ "$(in_root redis-cli -p 6380 ping 2>/dev/null)" = PONG ] && { up=1; break; }
  kill -0 "$node" 2>/dev/null || break
  sleep 0.2
done
if [ "$up" = 1 ]; then
  # The shipped configuration is one node of a three-replica cluster (N=3, W=2): alone, it refuses writes and says
  # why rather than accepting what it cannot replicate.
  reply=$(in_root redis-cli -p 6380 set packaged yes 2>&1)
  case "$reply" in *unavailable*needed*) ;; *) fail "SET on a lone node of the example configuration answered: $reply" ;; esac
  in_root curl -sf http://127.0.0.1:8380/metrics | grep -q '^ringlab_up' || fail "/metrics does not answer"
else
  fail "the packaged node did not answer PING; its log:"; tail -20 "$root/tmp/ringlabd.log"
fi
kill "$node" 2>/dev/null; wait "$node" 2>/dev/null || true; node=""

if [ -e "$root/usr/bin/ringlab-sim" ]; then
  in_root ringlab-sim run steady-state --quiet >/dev/null || fail "ringlab-sim run steady-state in the root"
  in_root ringlab-sim course list | grep -q "/usr/share/ringlab/scenarios/course/01-consistent-hashing.yaml" ||
    fail "ringlab-sim course list in the root does not find the installed course"
  in_root desktop-file-validate /usr/share/applications/ringlab.desktop || fail "the desktop entry does not validate"
fi
if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "packages: installed into a bare Debian 12 root; the node answered PING and /metrics"
