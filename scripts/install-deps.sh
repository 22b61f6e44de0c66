#!/bin/sh
# Install every Debian 12 package ehlo needs to build, run, test, fuzz and benchmark.
# Runs as root as it is; uses sudo only when not root.
set -eu

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
else
	SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive

# Postfix (for smtp-sink and smtp-source) must not ask which kind of mail server this is.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections

$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
	build-essential meson ninja-build pkg-config \
	libncurses-dev libreadline-dev libssl-dev libcriterion-dev \
	gettext \
	clang libclang-rt-14-dev llvm \
	openssl ca-certificates \
	python3 python3-aiosmtpd \
	postfix swaks libnet-ssleay-perl curl tmux \
	time procps
