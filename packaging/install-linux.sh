#!/bin/sh
# Register Pinscope with the Linux desktop of the current user: the application menu entry, the
# icon, the AppStream metainfo, and the MIME types shared-mime-info lacks (.bks, .csr), so that
# certificate and keystore files open with Pinscope. Nothing outside $XDG_DATA_HOME is touched.
#
#   sh install-linux.sh                 install (from a bundle, a checkout or a pip/pipx install)
#   sh install-linux.sh --uninstall     remove what an install added
#   options: --resources DIR (the pinscope/resources folder), --exec PROGRAM (what to launch)
set -eu

APP_ID=io.github.pinscope.Pinscope
SIZES="16 24 32 48 64 128 256 512"
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
RESOURCES=""
PROGRAM=""
ACTION=install

usage() {
    sed -n '2,8s/^# \{0,1\}//p' "$0"
    exit "$1"
}

while [ $# -gt 0 ]; do
    case $1 in
        --uninstall) ACTION=uninstall ;;
        --resources) RESOURCES=${2:?--resources needs a folder}; shift ;;
        --exec) PROGRAM=${2:?--exec needs a program}; shift ;;
        -h | --help) usage 0 ;;
        *) echo "install-linux.sh: unknown option $1" >&2; usage 2 >&2 ;;
    esac
    shift
done

# The program the menu entry starts, by its absolute path: given, the bundle's own, the one in
# the source checkout's .venv (which need not be activated), else the one on PATH (pip, pipx).
# A bare name is never written: TryExec would not find it and the desktop would hide the entry.
find_program() {
    if [ -n "$PROGRAM" ]; then
        echo "$PROGRAM"
        return
    fi
    for candidate in "$HERE/pinscope-gui" "$HERE/../.venv/bin/pinscope-gui" \
        "$(command -v pinscope-gui 2>/dev/null || true)"; do
        if [ -n "$candidate" ] && [ -f "$candidate" ] && [ -x "$candidate" ]; then
            echo "$(cd "$(dirname "$candidate")" && pwd)/pinscope-gui"
            return
        fi
    done
    echo "install-linux.sh: cannot find pinscope-gui beside this script, in the checkout's .venv" \
        "or on PATH; install Pinscope first, or name the program with --exec" >&2
    exit 2
}

# The resources folder: given, inside a bundle, in a source checkout, or beside the Python
# that runs an installed pinscope-gui script (pip, pipx).
find_resources() {
    for candidate in "$RESOURCES" "$HERE/_internal/pinscope/resources" "$HERE/../resources"; do
        if [ -n "$candidate" ] && [ -f "$candidate/linux/$APP_ID.desktop" ]; then
            (cd "$candidate" && pwd)
            return
        fi
    done
    script=$(command -v pinscope-gui 2>/dev/null || true)
    if [ -n "$script" ] && head -c 2 "$script" | grep -q '^#!'; then
        python=$(head -n 1 "$script" | sed 's/^#! *//')
        # shellcheck disable=SC2086  # a shebang may carry arguments
        if folder=$($python -c 'import os, pinscope.resources as r; print(os.path.dirname(r.__file__))' 2>/dev/null); then
            echo "$folder"
            return
        fi
    fi
    echo "install-linux.sh: cannot find Pinscope's resources folder; give it with --resources" >&2
    exit 2
}

# Refresh what desktops read, with the tools this system has; none of them is required.
update_caches() {
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$DATA/mime" >/dev/null 2>&1 || true
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database "$DATA/applications" >/dev/null 2>&1 || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$DATA/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache --force --quiet "$DATA/icons/hicolor" || true
    fi
    touch "$DATA/icons/hicolor" 2>/dev/null || true  # desktops without the cache watch the date
}

install_files() {
    resources=$(find_resources)
    program=$(find_program)

    # Exec and TryExec name the program by its full path: a desktop session's PATH often
    # lacks ~/.local/bin or the bundle's folder. Spaces are quoted; rarer characters would need
    # the desktop entry's escaping rules, so they are refused.
    case $program in
        *[\\\"\`\$%\|\&]*)
            echo "install-linux.sh: move Pinscope to a folder without \\ \" \` \$ % | & in its name" >&2
            exit 2 ;;
    esac
    mkdir -p "$DATA/applications" "$DATA/metainfo" "$DATA/mime/packages" \
        "$DATA/icons/hicolor/scalable/apps"
    sed -e "s|^Exec=pinscope-gui |Exec=\"$program\" |" -e "s|^TryExec=.*|TryExec=$program|" \
        "$resources/linux/$APP_ID.desktop" >"$DATA/applications/$APP_ID.desktop"
    cp "$resources/linux/$APP_ID.metainfo.xml" "$DATA/metainfo/"
    cp "$resources/linux/pinscope-mime.xml" "$DATA/mime/packages/$APP_ID.xml"
    cp "$resources/app/$APP_ID.svg" "$DATA/icons/hicolor/scalable/apps/"
    for size in $SIZES; do
        mkdir -p "$DATA/icons/hicolor/${size}x${size}/apps"
        cp "$resources/app/pinscope-$size.png" "$DATA/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
    done

    update_caches
    echo "Pinscope is in the application menu; it starts $program"
}

uninstall_files() {
    rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/metainfo/$APP_ID.metainfo.xml" \
        "$DATA/mime/packages/$APP_ID.xml" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
    for size in $SIZES; do
        rm -f "$DATA/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
    done
    update_caches
    echo "Pinscope's menu entry, icon and file types are removed"
}

if [ "$ACTION" = install ]; then
    install_files
else
    uninstall_files
fi
