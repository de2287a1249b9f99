#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t2010: the exec secret-store backend, for real: Debian's pass + GnuPG with
# a throwaway GNUPGHOME and key, through contrib/k3sguard-pass-helper.
# Also helpers that fail: exit non-zero, print nothing.  The helper is a
# setting of this host ($K3SGUARD_HOST_CONFIG stands in for the host's
# /etc/k3sguard/config.yaml): the image's config names only the backend,
# and a helper it names never runs.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

R=$TMP/root
mkdir -p "$R/etc/k3sguard"
export GNUPGHOME=$TMP/gnupg PASSWORD_STORE_DIR=$TMP/pass-store
mkdir -m 700 "$GNUPGHOME"
at_exit "gpgconf --homedir '$GNUPGHOME' --kill all"
HELPER=$TOP/contrib/k3sguard-pass-helper
S() { k3sguard --root "$R" secrets "$@"; }
export K3SGUARD_HOST_CONFIG=$TMP/host-config.yaml
printf '#!/bin/sh\ntouch %s/image-helper-ran\n' "$TMP" >"$TMP/image-helper"
chmod 755 "$TMP/image-helper"
cat >"$R/etc/k3sguard/config.yaml" <<EOC
store:
  backend: exec
  helper: $TMP/image-helper
  helper-env: [GNUPGHOME, PASSWORD_STORE_DIR, IMAGE_ENV]
EOC
config() {
	cat >"$K3SGUARD_HOST_CONFIG" <<EOC
store:
  helper: $1
  helper-env: [GNUPGHOME, PASSWORD_STORE_DIR]
EOC
}

if ! has_cmd pass || ! has_cmd gpg; then
	test_skip 'exec backend with pass' 'pass or gpg not installed (scripts/deps/token.txt)'
	test_done
fi

test_expect_success 'a throwaway GnuPG key and password store' '
	gpg --batch --quiet --passphrase "" --quick-gen-key "k3sguard test <test@k3sguard.invalid>" future-default default never 2>gpg.err &&
	fpr=$(gpg --batch --with-colons --list-keys | awk -F: "/^fpr/ {print \$10; exit}") &&
	pass init "$fpr" >/dev/null &&
	config "$HELPER"
'

test_expect_success 'put stores the value in pass, metadata beside, no value on disk in clear' '
	printf "exec-canary-5d1e" | S put app --note "in pass" >out &&
	grep -q "version 1 (current" out &&
	[ -f "$PASSWORD_STORE_DIR/k3sguard/app/1.gpg" ] &&
	[ "$(pass show k3sguard/app/1)" = exec-canary-5d1e ] &&
	[ "$(stat -c %a "$R/var/lib/k3sguard/secrets/app.meta")" = 600 ] &&
	! grep -rq exec-canary-5d1e "$R" "$PASSWORD_STORE_DIR"
'

test_expect_success 'get, versions and history through the helper' '
	[ "$(S get app)" = exec-canary-5d1e ] &&
	printf "exec-two" | S put app >/dev/null &&
	[ "$(S get app)" = exec-two ] &&
	[ "$(S get app --version 1)" = exec-canary-5d1e ] &&
	S history app >h && grep -q "^v1 *previous .*in pass" h &&
	S ls --format json | grep -q "\"backend\": \"exec\""
'

test_expect_success 'rm of one version erases it from pass' '
	S rm app --version 1 >/dev/null &&
	[ ! -e "$PASSWORD_STORE_DIR/k3sguard/app/1.gpg" ] &&
	[ "$(S get app)" = exec-two ] &&
	S rm app >/dev/null && [ ! -e "$PASSWORD_STORE_DIR/k3sguard/app/2.gpg" ] &&
	[ ! -e "$R/var/lib/k3sguard/secrets/app.meta" ]
'

test_expect_success 'the helper contract: value never in argv or environment' '
	cat >spy <<EOS &&
#!/bin/sh
printf "%s\n" "\$*" >>$TMP/spy.argv
env >>$TMP/spy.env
exec $HELPER "\$@"
EOS
	chmod 755 spy && config "$TMP/spy" &&
	printf "spy-canary-77aa" | S put spied >/dev/null &&
	[ "$(S get spied)" = spy-canary-77aa ] &&
	grep -q "^store spied/1$" spy.argv && grep -q "^get spied/1$" spy.argv &&
	! grep -q spy-canary spy.argv spy.env &&
	! grep -q "^K3S_" spy.env &&
	config "$HELPER"
'

test_expect_success 'helper that exits non-zero: exit 2, one line, no output' '
	printf "#!/bin/sh\ncat >/dev/null; echo oops >&2; exit 3\n" >fail && chmod 755 fail &&
	config "$TMP/fail" &&
	expect_code 2 S put broken </dev/null 2>err; printf x | { expect_code 2 S put broken 2>err; } &&
	one_line err && grep -q "failed (exit 3)" err &&
	[ ! -e "$R/var/lib/k3sguard/secrets/broken.meta" ] &&
	config "$HELPER" && printf v | S put ok >/dev/null && config "$TMP/fail" &&
	expect_code 2 S get ok >out 2>err && [ ! -s out ] && one_line err &&
	config "$HELPER"
'

test_expect_success 'helper that prints nothing: exit 2, no output' '
	printf "#!/bin/sh\ncat >/dev/null; exit 0\n" >mute && chmod 755 mute &&
	config "$TMP/mute" &&
	expect_code 2 S get ok >out 2>err && [ ! -s out ] && one_line err &&
	grep -q "printed nothing" err &&
	config "$HELPER"
'

test_expect_success 'helper that is writable by others or missing is refused' '
	cp "$HELPER" loose && chmod 777 loose && config "$TMP/loose" &&
	expect_code 2 S get ok >out 2>err && grep -q "writable by group or others" err &&
	config "$TMP/nonexistent" &&
	expect_code 2 S get ok >out 2>err && grep -q nonexistent err &&
	config "relative/path" &&
	expect_code 2 S get ok >out 2>err && grep -q "absolute" err &&
	config "$HELPER"
'

test_expect_success 'the image names a helper: it never runs, the host'"'"'s does' '
	printf v | IMAGE_ENV=leak S put hostly >/dev/null &&
	[ "$(S get hostly)" = v ] && [ ! -e image-helper-ran ] &&
	mv "$K3SGUARD_HOST_CONFIG" hc.away &&
	expect_code 2 S get hostly >out 2>err && one_line err && [ ! -s out ] &&
	grep -q "not set in .$K3SGUARD_HOST_CONFIG." err && [ ! -e image-helper-ran ] &&
	mv hc.away "$K3SGUARD_HOST_CONFIG"
'

test_expect_success 'the helper script rejects sneaky keys' '
	expect_code 64 "$HELPER" get ../../etc/passwd 2>err &&
	expect_code 64 "$HELPER" frob a/1 2>err
'

test_done
