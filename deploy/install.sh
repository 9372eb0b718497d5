#!/bin/bash
# Install (or uninstall) the courtroom controller on a Debian/Ubuntu control PC. Run as root from a copy of the
# repository; every step is idempotent: a second run changes nothing. docs/install.md walks through it.
#
#   deploy/install.sh [--config ROOM.yaml] [--central HOST:PORT[,HOST:PORT...]] [--start]
#   deploy/install.sh --uninstall          # keeps /etc/courtroom, the journal, recordings and keys
#
# DESTDIR=/some/root deploy/install.sh ...  writes every file under that root instead of /, as a non-root user
# too; what would change the running system (apt-get, user and group creation, chown, the venv's pip install,
# systemctl, udevadm) is then written to $DESTDIR/.courtroom-install-commands instead of run. The project's own
# helpers (signing key, console user) then run with $COURTROOM_PYTHON (default python3) on the source tree.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
CONFIG=""
CENTRAL=""
START=0
ACTION=install
PACKAGES=(python3 python3-venv python3-dev gcc portaudio19-dev mosquitto mosquitto-clients fonts-wqy-microhei)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=${2:?--config needs a file}; shift 2 ;;
    --central) CENTRAL=${2:?--central needs HOST:PORT[,HOST:PORT...]}; shift 2 ;;
    --start) START=1; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo deploy/install.sh), or with DESTDIR=<folder> for a trial install"
fi
[ -z "$CONFIG" ] || [ -f "$CONFIG" ] || die "--config $CONFIG: no such file"

OPT=/opt/courtroom
VENV=$OPT/.venv
ETC=/etc/courtroom
STATE=/var/lib/courtroom
RECORD="$DESTDIR/.courtroom-install-commands"
CHANGED=0

say() { echo "== $*"; }
# A command that changes the running system: run it, or in a DESTDIR trial record it.
system() {
  if [ -n "$DESTDIR" ]; then printf '%s\n' "$*" >> "$RECORD"; else "$@"; fi
}
# The project's own helpers (key, users, config facts) on the installed venv, or the source tree in a trial.
helper() {
  if [ -n "$DESTDIR" ]; then PYTHONPATH="$SRC" "${COURTROOM_PYTHON:-python3}" "$@"; else "$VENV/bin/python" "$@"; fi
}
# put SOURCE TARGET MODE OWNER:GROUP: copy when the content differs, then mode and owner.
put() {
  local src=$1 dst=$DESTDIR$2 mode=$3 owner=$4
  if ! cmp -s "$src" "$dst"; then
    mkdir -p "$(dirname "$dst")"
    cp "$src" "$dst.new" && mv "$dst.new" "$dst"
    echo "   wrote $2"; CHANGED=1
  fi
  chmod "$mode" "$dst"
  system chown "$owner" "$2"
}
# folder PATH MODE OWNER:GROUP
folder() {
  [ -d "$DESTDIR$1" ] || { mkdir -p "$DESTDIR$1"; echo "   made $1/"; CHANGED=1; }
  chmod "$2" "$DESTDIR$1"
  system chown "$3" "$1"
}
# secret PATH OWNER:GROUP: a random password (0600), made once and never replaced.
secret() {
  if [ ! -s "$DESTDIR$1" ]; then
    mkdir -p "$(dirname "$DESTDIR$1")"
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 32 > "$DESTDIR$1"; echo >> "$DESTDIR$1")
    echo "   made $1 (0600)"; CHANGED=1
  fi
  chmod 0600 "$DESTDIR$1"
  system chown "$2" "$1"
}

do_install() {
  [ -z "$DESTDIR" ] || { mkdir -p "$DESTDIR"; : > "$RECORD"; }
  say "1/9 system packages"
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if [ -n "$DESTDIR" ] || ! dpkg -s "$p" >/dev/null 2>&1; then missing+=("$p"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    system apt-get update -qq
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi

  say "2/9 user and group courtroom"
  if [ -n "$DESTDIR" ] || ! getent group courtroom >/dev/null; then system groupadd --system courtroom; fi
  if [ -n "$DESTDIR" ] || ! getent passwd courtroom >/dev/null; then
    system useradd --system --gid courtroom --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin courtroom
  fi

  say "3/9 program under $OPT"
  folder "$OPT" 0755 root:root
  local files
  if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    files=$(git -C "$SRC" ls-files -- controller drivers sim firmware_profiles deploy docs pyproject.toml README.md)
  else
    files=$(cd "$SRC" && find controller drivers sim firmware_profiles deploy docs pyproject.toml README.md \
      -type f ! -path '*/__pycache__/*' | sort)
  fi
  local before=$CHANGED f
  CHANGED=0
  while IFS= read -r f; do
    [ -f "$SRC/$f" ] || continue
    if ! cmp -s "$SRC/$f" "$DESTDIR$OPT/src/$f"; then
      mkdir -p "$(dirname "$DESTDIR$OPT/src/$f")"
      cp "$SRC/$f" "$DESTDIR$OPT/src/$f"; CHANGED=1
    fi
  done <<< "$files"
  local source_changed=$CHANGED
  CHANGED=$((before | source_changed))
  [ "$source_changed" = 0 ] || echo "   copied the source to $OPT/src"
  # An editable install: the model profiles (firmware_profiles/) are found beside the code.
  if [ -n "$DESTDIR" ] || [ ! -x "$VENV/bin/python" ]; then system python3 -m venv "$VENV"; fi
  if [ -n "$DESTDIR" ] || [ "$source_changed" = 1 ] || [ ! -x "$VENV/bin/courtroom" ]; then
    system "$VENV/bin/pip" install -q -e "$OPT/src"
  fi

  say "4/9 $ETC and the room config"
  folder "$ETC" 0750 root:courtroom
  if [ -n "$CONFIG" ]; then
    if [ -f "$DESTDIR$ETC/room.yaml" ] && ! cmp -s "$CONFIG" "$DESTDIR$ETC/room.yaml"; then
      cp -p "$DESTDIR$ETC/room.yaml" "$DESTDIR$ETC/room.yaml.previous"
      echo "   kept the previous config as $ETC/room.yaml.previous"
    fi
    put "$CONFIG" "$ETC/room.yaml" 0640 root:courtroom
  elif [ ! -f "$DESTDIR$ETC/room.yaml" ]; then
    put "$SRC/deploy/examples/courtroom-standard.yaml" "$ETC/room.yaml" 0640 root:courtroom
    echo "   (the standard example room: edit $ETC/room.yaml, then run the installer again)"
  else
    chmod 0640 "$DESTDIR$ETC/room.yaml"; system chown root:courtroom "$ETC/room.yaml"
  fi
  local facts room_id state_dir key_path users_file mqtt_user
  facts=$(helper - "$DESTDIR$ETC/room.yaml" <<'EOF'
import sys
from pathlib import Path
from controller.config import load_config
from controller.console.users import users_path
c = load_config(Path(sys.argv[1]))
print(c.room.id, c.state_dir, c.signing_key_path, users_path(c), c.broker.username or c.room.id)
EOF
) || die "$ETC/room.yaml is not a valid room config (see the error above)"
  read -r room_id state_dir key_path users_file mqtt_user <<< "$facts"
  [ "$state_dir" = "$STATE" ] || die "room.yaml: state_dir must be $STATE (the unit's StateDirectory), not $state_dir"
  echo "   room $room_id, state in $state_dir"

  say "5/9 MQTT: the room's password and the local broker"
  secret "$ETC/mqtt-password" courtroom:courtroom
  put "$SRC/deploy/mosquitto/courtroom.conf" /etc/mosquitto/conf.d/courtroom.conf 0644 root:root
  put "$SRC/deploy/mosquitto/courtroom.acl" /etc/mosquitto/courtroom.acl 0644 root:root
  local passwd=$DESTDIR/etc/mosquitto/courtroom.passwd
  if ! grep -q "^$mqtt_user:" "$passwd" 2>/dev/null; then
    mkdir -p "$(dirname "$passwd")"; [ -f "$passwd" ] || (umask 077; : > "$passwd")
    mosquitto_passwd -b "$passwd" "$mqtt_user" "$(cat "$DESTDIR$ETC/mqtt-password")" \
      || die "mosquitto_passwd failed (is mosquitto-clients installed?)"
    echo "   added MQTT user $mqtt_user to /etc/mosquitto/courtroom.passwd"; CHANGED=1
  fi
  chmod 0600 "$passwd"; system chown mosquitto:mosquitto /etc/mosquitto/courtroom.passwd
  if [ -n "$CENTRAL" ]; then
    # the central broker's password for this room: written by the technician (it may not exist yet)
    helper -m controller.cli fleet bridge-config --name "$room_id" --central "$CENTRAL" \
      --remote-password-file "$DESTDIR$ETC/central-password" > "$DESTDIR$ETC/.bridge.conf.new" \
      || die "--central $CENTRAL: not a list of HOST:PORT"
    put "$DESTDIR$ETC/.bridge.conf.new" /etc/mosquitto/conf.d/courtroom-bridge.conf 0640 root:mosquitto
    rm -f "$DESTDIR$ETC/.bridge.conf.new"
    if [ -s "$DESTDIR$ETC/central-password" ]; then
      chmod 0600 "$DESTDIR$ETC/central-password"; system chown root:root "$ETC/central-password"
    else
      echo "   write the central broker's password for $room_id into $ETC/central-password and run this again"
    fi
  fi

  say "6/9 state, journal signing key and console users in $state_dir"
  folder "$state_dir" 0750 courtroom:courtroom
  folder "$state_dir/recordings" 0750 courtroom:courtroom
  if [ ! -f "$DESTDIR$key_path" ]; then
    helper -c 'import sys; from pathlib import Path; from controller.signing import RoomKey
k = RoomKey.load_or_create(Path(sys.argv[1])); print("   signing key", k.fingerprint)' "$DESTDIR$key_path"
    CHANGED=1
  fi
  chmod 0600 "$DESTDIR$key_path"; chmod 0700 "$(dirname "$DESTDIR$key_path")"
  system chown -R courtroom:courtroom "$(dirname "$key_path")"
  if [ ! -f "$DESTDIR$users_file" ]; then
    secret "$ETC/console-initial-password" root:root
    helper -c 'import sys; from pathlib import Path; from controller.console.users import add_user
add_user(Path(sys.argv[1]), "technician", "technician", Path(sys.argv[2]).read_text().strip(), "技术员")' \
      "$DESTDIR$users_file" "$DESTDIR$ETC/console-initial-password"
    echo "   console user 'technician', password in $ETC/console-initial-password (change it: courtroom console-user add)"
    CHANGED=1
  fi
  chmod 0600 "$DESTDIR$users_file"; system chown courtroom:courtroom "$users_file"

  say "7/9 udev rules"
  put "$SRC/deploy/udev/99-courtroom.rules" /etc/udev/rules.d/99-courtroom.rules 0644 root:root
  system udevadm control --reload
  system udevadm trigger

  say "8/9 the service"
  put "$SRC/deploy/systemd/courtroom.service" /etc/systemd/system/courtroom.service 0644 root:root
  system systemctl daemon-reload
  system systemctl enable courtroom.service
  system systemctl reload-or-restart mosquitto.service
  [ "$START" = 0 ] || system systemctl restart courtroom.service

  say "9/9 check"
  local checked
  checked=$(helper -m controller.cli check "$DESTDIR$ETC/room.yaml") || die "courtroom check refused $ETC/room.yaml"
  echo "   ${checked%%$'\n'*}"
  if [ "$CHANGED" = 0 ]; then echo "nothing changed"; else echo "installed"; fi
}

do_uninstall() {
  [ -z "$DESTDIR" ] || { mkdir -p "$DESTDIR"; : > "$RECORD"; }
  say "stopping and removing the service, udev rules, broker snippets and $OPT"
  system systemctl disable --now courtroom.service
  local f
  for f in /etc/systemd/system/courtroom.service /etc/udev/rules.d/99-courtroom.rules \
           /etc/mosquitto/conf.d/courtroom.conf /etc/mosquitto/conf.d/courtroom-bridge.conf \
           /etc/mosquitto/courtroom.acl /etc/mosquitto/courtroom.passwd; do
    if [ -e "$DESTDIR$f" ]; then rm -f "$DESTDIR$f"; echo "   removed $f"; fi
  done
  if [ -d "$DESTDIR$OPT" ]; then rm -rf -- "$DESTDIR$OPT"; echo "   removed $OPT"; fi
  system systemctl daemon-reload
  system udevadm control --reload
  system systemctl reload-or-restart mosquitto.service
  echo "kept: $ETC (config and passwords), $STATE (journal, recordings, signing key, console users), user courtroom"
}

"do_$ACTION"
